/**
 * Resumable uploads (tus 1.0, @tus/server) of a recording's file:
 *   POST   /api/v1/recordings/{id}/uploads             create (Upload-Length required; creation-with-upload)
 *   HEAD   /api/v1/recordings/{id}/uploads/{uploadId}  where to resume (Upload-Offset)
 *   PATCH  /api/v1/recordings/{id}/uploads/{uploadId}  append
 *   DELETE /api/v1/recordings/{id}/uploads/{uploadId}  abandon
 * The creation makes the same start checks as PUT (404, 412, 413 size and quota); the PATCH
 * that completes the upload runs the same inspection, verification and commit as PUT
 * (src/content/service.ts), and the upload is gone afterwards whatever the outcome.
 * Upload-Metadata may carry `sha256` (hex): the checksum of the whole file, verified at the end.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Server } from '@tus/server';
import type { Upload } from '@tus/utils';
import type { Principal } from '../auth/principal';
import { HttpError, badRequest } from '../core/errors';
import type { ContentService } from './service';
import { ContentTusStore, tusError } from './tus-store';

export { tusError };

/** What the route knows about a tus request before @tus/server sees it. */
export interface TusCall {
  principal: Principal;
  recordingId: string;
  ifMatch: string | undefined;
  /** The creation URL as the client sent it (/api/v1/recordings/{id}/uploads). */
  uploadsPath: string;
}

const asTus = (err: unknown): unknown => (err instanceof HttpError ? tusError(err) : err);

export interface TusOptions {
  content: ContentService;
  corsOrigins: readonly string[];
  /** The tus request's call details, by its Node request. */
  callOf(req: Request): TusCall;
}

export function createTusServer({ content, corsOrigins, callOf }: TusOptions): { server: Server; store: ContentTusStore } {
  const { limits, prisma, store: contentStore } = content.deps;
  const store = new ContentTusStore(prisma, contentStore, { expiryMs: limits.uploadExpiryMs, idleTimeoutMs: limits.idleTimeoutMs });
  const server = new Server({
    path: '/api/v1/recordings',
    datastore: store,
    maxSize: limits.maxBytes,
    namingFunction: () => randomUUID(),
    generateUrl: (req, { id }) => `${callOf(req).uploadsPath}/${id}`,
    getFileIdFromRequest: (_req, last) => last,
    disableTerminationForFinishedUploads: true,
    allowedOrigins: (origin) => corsOrigins.includes(origin),
    async onUploadCreate(req, upload: Upload) {
      const call = callOf(req);
      try {
        const sha256 = upload.metadata?.sha256 ?? null;
        if (sha256 !== null && !/^[0-9a-f]{64}$/.test(sha256)) {
          throw badRequest('Upload-Metadata sha256 is not valid', [
            { path: 'header.upload-metadata', message: 'sha256 must be 64 lower-case hex digits' },
          ]);
        }
        await content.begin(call.principal, call.recordingId, { ifMatch: call.ifMatch, length: upload.size });
        await store.saveRecord(upload.id, {
          recordingId: call.recordingId,
          length: upload.size ?? 0,
          sha256,
          ifMatch: call.ifMatch ?? null,
          metadata: upload.metadata ?? null,
        });
        return {};
      } catch (err) {
        throw asTus(err);
      }
    },
    async onUploadFinish(req, upload: Upload) {
      const call = callOf(req);
      const record = await store.record(upload.id);
      try {
        if (!record) throw new HttpError({ status: 404, type: 'not-found', title: 'Not Found', detail: `No upload ${upload.id}` });
        const plan = await content.begin(call.principal, call.recordingId, { uploadId: upload.id });
        const declared = [record.sha256 ?? undefined];
        await content.finishStaged(call.principal, plan, upload.id, {
          ifMatch: record.ifMatch ?? undefined,
          declared,
          uploadId: upload.id,
        });
        return {};
      } catch (err) {
        throw asTus(err);
      } finally {
        // Committed or refused, the upload is over: a retry starts a new one.
        await store.remove(upload.id);
      }
    },
  });
  return { server, store };
}

/** The Node request under a request @tus/server hands to a hook. */
export function nodeRequestOf(req: Request): IncomingMessage | undefined {
  return (req as Request & { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
}
