/**
 * The parts of the OpenAPI document every operation shares: the problem+json schema and the
 * error responses, the headers, the bearer scheme. Statuses and texts follow src/core/errors.ts.
 */
import type { OpenAPIRegistry, ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

export const PROBLEM = 'application/problem+json';
export const JSON_TYPE = 'application/json';

const ref = (kind: string, name: string): { $ref: string } => ({ $ref: `#/components/${kind}/${name}` });
export const headerRef = (name: string) => ref('headers', name);
export const paramRef = (name: string) => ref('parameters', name);

export const problemSchema = z
  .object({
    type: z.string().meta({
      description: 'A URI reference naming the kind of problem, e.g. /problems/validation-error: GET it for what it means and what to do',
    }),
    title: z.string(),
    status: z.int(),
    detail: z.string().optional(),
    instance: z.string().meta({ description: 'The path of the request' }),
    requestId: z.string().meta({ description: 'The X-Request-Id of the request (also in the logs and the event log)' }),
    errors: z
      .array(z.object({ path: z.string().meta({ example: 'body.email' }), message: z.string() }))
      .optional()
      .meta({ description: 'One entry per invalid input, named by where it is: body.<field>, query.<param>, params.id, header.<name>' }),
  })
  .loose()
  .meta({
    id: 'Problem',
    description: 'An error (RFC 9457). Extension members may be added, e.g. `checks` on a failed readiness probe.',
    example: {
      type: '/problems/validation-error',
      title: 'Bad Request',
      status: 400,
      detail: 'The request body is not valid',
      instance: '/api/v1/sessions',
      requestId: '0f1e2d3c-4b5a-4697-8877-665544332211',
      errors: [{ path: 'body.title', message: 'Too small: expected string to have >=1 characters' }],
    },
  });

/** Every error status the API uses, with the component name of its response. */
export const ERROR_RESPONSES = {
  400: ['BadRequest', 'The request is not valid: malformed JSON, a failed validation, an unknown field, parameter or operator'],
  401: ['Unauthorized', 'No valid bearer token (missing, invalid, expired or revoked)'],
  403: [
    'Forbidden',
    'Authenticated, but this action is not allowed for the caller: its role, or its key’s scope (`insufficient-scope`: a WORKER key outside the worker routes, or another token on them)',
  ],
  404: ['NotFound', 'No such object, or not visible to the caller'],
  405: ['MethodNotAllowed', 'The method is not allowed on this path; `Allow` lists the methods that are'],
  408: ['RequestTimeout', 'An upload sent no bytes for CONTENT_IDLE_TIMEOUT and was abandoned (nothing of it is kept)'],
  409: [
    'Conflict',
    'A unique constraint or a still-referenced row, a request with the same Idempotency-Key still running, or a state that does not allow the action (`algo-not-runnable`, `run-finished`, `lease-lost`)',
  ],
  410: ['Gone', 'The resumable upload has expired'],
  412: ['PreconditionFailed', 'If-Match does not match the current ETag (someone changed the object)'],
  413: ['ContentTooLarge', 'The request body is larger than the limit'],
  415: ['UnsupportedMediaType', 'A request body must be application/json'],
  416: ['RangeNotSatisfiable', 'The Range selects no byte of the content; `Content-Range: bytes */<size>` gives its size'],
  422: [
    'Unprocessable',
    'The Idempotency-Key was used before with a different request, or an uploaded file does not match its declared checksum or has a malformed header of its declared format',
  ],
  429: ['TooManyRequests', 'Rate limit reached; retry after `Retry-After` seconds'],
  500: ['InternalError', 'An unexpected error (no internals are disclosed)'],
  501: ['NotImplemented', 'A tus extension this server does not offer (concatenation, deferred length)'],
  503: ['ServiceUnavailable', 'The database or the content store is unreachable or too slow; retry after `Retry-After` seconds'],
} as const;

export type ErrorStatus = keyof typeof ERROR_RESPONSES;

/**
 * Errors a request can get before routing picks its operation, so also on a path or with a
 * method the document does not list (instead of the 404 / 405): the JSON body checks run for
 * every path (src/api/middleware/json-body.ts), authentication and the per-token rate limit for
 * everything under /api/v1 (src/api/router.ts), and a 500 can happen anywhere. The document's
 * description says so in words (src/api/openapi.ts); the contract tests check responses by it.
 */
export const BEFORE_ROUTING: ReadonlyArray<{ prefix: string; statuses: readonly ErrorStatus[] }> = [
  { prefix: '/', statuses: [400, 413, 415, 500] },
  { prefix: '/api/v1/', statuses: [401, 429, 503] },
];

/** Responses referencing the shared error responses. */
export function errors(...statuses: ErrorStatus[]): Record<string, { $ref: string }> {
  return Object.fromEntries(statuses.map((s) => [String(s), ref('responses', ERROR_RESPONSES[s][0])]));
}

/** A success response: the headers every response carries plus the given ones. */
export function ok(description: string, schema?: z.ZodType, headers: string[] = [], mediaType = JSON_TYPE): ResponseConfig {
  return {
    description,
    headers: Object.fromEntries(['X-Request-Id', ...headers].map((h) => [h, headerRef(h)])),
    ...(schema ? { content: { [mediaType]: { schema } } } : {}),
  };
}

export function jsonBody(schema: z.ZodType, description?: string) {
  return { required: true, ...(description ? { description } : {}), content: { [JSON_TYPE]: { schema } } };
}

const HEADERS: Record<string, { description: string; required?: boolean; schema: Record<string, unknown> }> = {
  'X-Request-Id': {
    required: true,
    description:
      'The id of this request: the client’s X-Request-Id if well-formed, else a new UUID. It is on every log line and event-log row of the request.',
    schema: { type: 'string' },
  },
  ETag: {
    description: 'The strong entity tag of the returned representation; send it back in If-Match / If-None-Match.',
    schema: { type: 'string', example: '"q1w2e3r4t5y6u7i8o9p0a1s2d3f"' },
  },
  Location: {
    description: 'The URL of the created object.',
    schema: { type: 'string', example: '/api/v1/sessions/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' },
  },
  Link: {
    description: 'RFC 8288 link to the next page (`rel="next"`), present when there is one.',
    schema: { type: 'string', example: '</api/v1/sessions?cursor=eyJzIjoi...>; rel="next"' },
  },
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'string', example: '30' } },
  Allow: { description: 'The methods the path allows.', schema: { type: 'string', example: 'GET, HEAD, POST' } },
  'WWW-Authenticate': {
    description: 'The authentication scheme to use.',
    schema: { type: 'string', example: 'Bearer realm="backendapi"' },
  },
  'Content-Range': {
    description: 'The bytes sent, or `bytes */<size>` on a 416.',
    schema: { type: 'string', example: 'bytes 0-1023/4096' },
  },
  'Accept-Ranges': { description: 'Byte ranges may be asked for.', schema: { type: 'string', enum: ['bytes'] } },
  'Content-Disposition': {
    description: 'Always an attachment, with a file name made safe from the recording’s name.',
    schema: { type: 'string', example: 'attachment; filename="night-1.edf"' },
  },
  'Repr-Digest': {
    description: 'RFC 9530: the SHA-256 of the whole content.',
    schema: { type: 'string', example: 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:' },
  },
  'Tus-Resumable': { required: true, description: 'The tus protocol version (1.0.0).', schema: { type: 'string', enum: ['1.0.0'] } },
  'Tus-Version': { description: 'The tus versions this server speaks.', schema: { type: 'string', example: '1.0.0' } },
  'Tus-Extension': {
    description: 'The tus extensions offered.',
    schema: { type: 'string', example: 'creation,creation-with-upload,termination,expiration' },
  },
  'Tus-Max-Size': { description: 'The largest upload accepted (CONTENT_MAX_BYTES).', schema: { type: 'string', example: '10737418240' } },
  'Upload-Offset': { description: 'How many bytes of the upload the server has.', schema: { type: 'string', example: '5242880' } },
  'Upload-Length': { description: 'The size of the whole file.', schema: { type: 'string', example: '104857600' } },
  'Upload-Expires': { description: 'When the unfinished upload expires (HTTP date).', schema: { type: 'string' } },
  'Upload-Metadata': { description: 'The Upload-Metadata of the creation request.', schema: { type: 'string' } },
  'Idempotent-Replayed': {
    description: '`true` when this is the stored response of an earlier request with the same Idempotency-Key.',
    schema: { type: 'string', enum: ['true'] },
  },
};

const ERROR_HEADERS: Partial<Record<ErrorStatus, string[]>> = {
  401: ['WWW-Authenticate'],
  416: ['Content-Range'],
  405: ['Allow'],
  429: ['Retry-After'],
  503: ['Retry-After'],
};

export function registerCommon(registry: OpenAPIRegistry): void {
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'A login token (`POST /api/v1/auth/login`, `bk_login_…`) or an API key (`POST /api/v1/api-keys`, `bk_api_…`).',
  });
  for (const [name, header] of Object.entries(HEADERS)) registry.registerComponent('headers', name, header);
  for (const [status, [name, description]] of Object.entries(ERROR_RESPONSES)) {
    const extra = ERROR_HEADERS[Number(status) as ErrorStatus] ?? [];
    registry.registerComponent('responses', name, {
      description,
      headers: Object.fromEntries(['X-Request-Id', ...extra].map((h) => [h, headerRef(h)])),
      content: { [PROBLEM]: { schema: ref('schemas', 'Problem') } },
    });
  }
  registry.registerComponent('parameters', 'IdempotencyKey', {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Makes a POST safe to retry: the same key with the same body replays the first response (with `Idempotent-Replayed: true`); ' +
      'with another body → 422; while the first is still running → 409. Keys live 24 hours.',
    schema: { type: 'string', minLength: 1, maxLength: 255, example: '7d9c3f52-2b1e-4c55-9f0e-2a9b3c4d5e6f' },
  });
  registry.registerComponent('parameters', 'IfMatch', {
    name: 'If-Match',
    in: 'header',
    required: false,
    description: 'Change only if the object’s current ETag is listed (or `*`); otherwise 412.',
    schema: { type: 'string' },
  });
  registry.registerComponent('parameters', 'IfNoneMatch', {
    name: 'If-None-Match',
    in: 'header',
    required: false,
    description: '304 Not Modified (no body) when the object’s current ETag is listed.',
    schema: { type: 'string' },
  });
  registry.registerComponent('parameters', 'XRequestId', {
    name: 'X-Request-Id',
    in: 'header',
    required: false,
    description: 'Your id for this request (1–128 of `A-Za-z0-9._:-`), echoed back and logged; otherwise one is generated.',
    schema: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' },
  });
}
