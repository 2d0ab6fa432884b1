/**
 * The recording-content paths (src/api/routes/content.routes.ts) and the tus upload paths
 * (src/api/routes/uploads.routes.ts). Bodies are raw bytes; success responses of the tus paths
 * are those of the tus 1.0 protocol.
 */
import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { READ_FORMATS } from '../../content/formats';
import { errors, ok, paramRef } from './common';
import { API } from './resources';

const BINARY = { type: 'string', format: 'binary' } as const;
const recordingId = z.object({ id: z.uuid().meta({ description: 'The id of the Recording' }) });
const uploadParams = recordingId.extend({
  uploadId: z.uuid().meta({ description: 'The id of the upload (from the Location of its creation)' }),
});
const header = (name: string, description: string, required = false) => ({
  name,
  in: 'header' as const,
  required,
  description,
  schema: { type: 'string' as const },
});
const tusResumable = header('Tus-Resumable', 'The tus version: 1.0.0', true);

/** A tus success response: Tus-Resumable (a required header) plus the given ones. */
const tus = (description: string, headers: string[]) => ok(description, undefined, ['Tus-Resumable', ...headers]);

export function registerContent(registry: OpenAPIRegistry, recording: z.ZodType): void {
  const content = `${API}/recordings/{id}/content`;
  const common = { tags: ['recordings'] };
  const describeHeaders = `The header of ${READ_FORMATS.join(', ')} files is read while the file streams in`;
  registry.registerPath({
    ...common,
    method: 'put',
    path: content,
    operationId: 'putRecordingContent',
    summary: 'Upload the recording’s file (replaces any previous one once the new one is complete and verified)',
    description:
      'The body is the file itself, streamed to storage; the server computes its SHA-256 and size. A `Content-Digest` or ' +
      '`Repr-Digest` (RFC 9530, `sha-256`), or a `sha256` the recording already declares while it has no content, must match ' +
      '(422 otherwise, and the previous content stays). `If-Match` takes the recording’s ETag or its content’s. ' +
      `${describeHeaders}: it fills sampleRateHz, channelCount, durationMs (the file wins over earlier values) and recordedAt (only ` +
      'when unset), and metadata.fileHeader; a malformed header is a 422 and nothing is kept. Too large for CONTENT_MAX_BYTES or ' +
      'the owner’s quota: 413, from Content-Length before any byte is read, or as soon as the stream passes the limit.',
    parameters: [
      paramRef('XRequestId'),
      paramRef('IfMatch'),
      header('Content-Digest', 'RFC 9530 digest of the body, e.g. sha-256=:<base64>:'),
      header('Repr-Digest', 'RFC 9530 digest of the file, e.g. sha-256=:<base64>:'),
    ],
    request: {
      params: recordingId,
      body: {
        required: true,
        description: 'The file, any media type',
        content: { 'application/octet-stream': { schema: BINARY }, '*/*': { schema: BINARY } },
      },
    },
    responses: {
      200: ok('Replaced: the recording with its new size, checksum and header fields', recording, ['ETag', 'Repr-Digest']),
      201: ok('The recording’s first content: the recording', recording, ['ETag', 'Repr-Digest', 'Location']),
      ...errors(400, 401, 404, 408, 412, 413, 415, 422, 429, 500, 503),
    },
  } satisfies RouteConfig);
  registry.registerPath({
    ...common,
    method: 'get',
    path: content,
    operationId: 'getRecordingContent',
    summary: 'Download the recording’s file (HEAD: its headers only)',
    description:
      'Streamed, as an attachment, with `Content-Type` from the recording’s format and `X-Content-Type-Options: nosniff`. ' +
      'The ETag is the SHA-256. One byte range (`Range: bytes=…`, also with `If-Range`) is a 206; a range that selects nothing ' +
      'is a 416; several ranges are answered with the whole file.',
    parameters: [
      paramRef('XRequestId'),
      paramRef('IfNoneMatch'),
      header('Range', 'One byte range, e.g. bytes=0-1023'),
      header('If-Range', 'The ETag the range is valid for'),
    ],
    request: { params: recordingId },
    responses: {
      200: {
        ...ok('The file', undefined, ['ETag', 'Accept-Ranges', 'Content-Disposition', 'Repr-Digest']),
        content: { '*/*': { schema: BINARY } },
      },
      206: {
        ...ok('The requested range', undefined, ['ETag', 'Accept-Ranges', 'Content-Disposition', 'Repr-Digest', 'Content-Range']),
        content: { '*/*': { schema: BINARY } },
      },
      304: ok('Not modified: If-None-Match lists the content’s ETag', undefined, ['ETag', 'Accept-Ranges', 'Content-Disposition']),
      ...errors(400, 401, 404, 416, 429, 500, 503),
    },
  });
  registry.registerPath({
    ...common,
    method: 'delete',
    path: content,
    operationId: 'deleteRecordingContent',
    summary: 'Delete the recording’s file (the recording stays, PENDING, without size and checksum)',
    parameters: [paramRef('XRequestId'), paramRef('IfMatch')],
    request: { params: recordingId },
    responses: { 204: ok('Deleted'), ...errors(400, 401, 404, 412, 429, 500, 503) },
  });

  const uploads = `${API}/recordings/{id}/uploads`;
  const upload = `${uploads}/{uploadId}`;
  const tusCommon = { tags: ['recordings'] };
  registry.registerPath({
    ...tusCommon,
    method: 'post',
    path: uploads,
    operationId: 'createRecordingUpload',
    summary: 'Start a resumable upload of the recording’s file (tus 1.0 creation)',
    description:
      'For files too large for one request: tus 1.0 with the creation, creation-with-upload, termination and expiration ' +
      'extensions (any tus client, e.g. tus-js-client, with this URL as its endpoint). `Upload-Length` is required and checked ' +
      'against the size limit and the quota; `Upload-Metadata` may carry `sha256` (hex) of the whole file. The PATCH that ' +
      'completes the upload verifies and commits it like PUT …/content (its 422s included); unfinished uploads expire after ' +
      'CONTENT_UPLOAD_EXPIRY.',
    parameters: [
      paramRef('XRequestId'),
      paramRef('IfMatch'),
      tusResumable,
      header('Upload-Length', 'The size of the whole file in bytes', true),
      header('Upload-Metadata', 'tus metadata: comma-separated `key base64(value)`; `sha256` is verified at the end'),
    ],
    request: { params: recordingId, body: { required: false, content: { 'application/offset+octet-stream': { schema: BINARY } } } },
    responses: {
      201: tus('Created; `Location` is the upload’s URL', ['Location', 'Upload-Offset', 'Upload-Expires']),
      ...errors(400, 401, 404, 412, 413, 422, 429, 500, 501, 503),
    },
  });
  registry.registerPath({
    ...tusCommon,
    method: 'options',
    path: uploads,
    operationId: 'describeRecordingUploads',
    summary: 'What this tus server offers (version, extensions, largest size)',
    parameters: [paramRef('XRequestId')],
    request: { params: recordingId },
    responses: {
      204: tus('The tus capabilities', ['Tus-Version', 'Tus-Extension', 'Tus-Max-Size']),
      ...errors(400, 401, 404, 429, 500, 503),
    },
  });
  registry.registerPath({
    ...tusCommon,
    method: 'head',
    path: upload,
    operationId: 'getRecordingUploadOffset',
    summary: 'Where to resume: the bytes the server has of the upload',
    parameters: [paramRef('XRequestId'), tusResumable],
    request: { params: uploadParams },
    responses: {
      200: tus('The upload’s state', ['Upload-Offset', 'Upload-Length', 'Upload-Metadata']),
      ...errors(400, 401, 404, 410, 412, 429, 500, 503),
    },
  });
  registry.registerPath({
    ...tusCommon,
    method: 'patch',
    path: upload,
    operationId: 'appendRecordingUpload',
    summary: 'Send more bytes of the upload, from Upload-Offset',
    description: 'The PATCH that completes the upload verifies and commits it like PUT …/content.',
    parameters: [
      paramRef('XRequestId'),
      tusResumable,
      header('Upload-Offset', 'Where these bytes start (the server’s current offset)', true),
    ],
    request: { params: uploadParams, body: { required: true, content: { 'application/offset+octet-stream': { schema: BINARY } } } },
    responses: {
      204: tus('Stored; the new offset', ['Upload-Offset', 'Upload-Expires']),
      ...errors(400, 401, 403, 404, 408, 409, 410, 412, 413, 415, 422, 429, 500, 503),
    },
  });
  registry.registerPath({
    ...tusCommon,
    method: 'delete',
    path: upload,
    operationId: 'deleteRecordingUpload',
    summary: 'Abandon an unfinished upload (tus termination)',
    parameters: [paramRef('XRequestId'), tusResumable],
    request: { params: uploadParams },
    responses: { 204: tus('Abandoned: its bytes are gone', []), ...errors(400, 401, 404, 412, 429, 500, 503) },
  });
}
