/**
 * Every problem type the API answers with (the `type` member of an application/problem+json
 * body, `/problems/<slug>`), and what a client should make of it. GET /problems/<slug> serves
 * this as a page (src/api/routes/home.routes.ts), so a problem's type URI leads to its
 * description (RFC 9457, section 3.1.1). A test fails when the code raises a type that is not
 * listed here (__tests__/unit/problem-types.test.ts).
 */
export interface ProblemType {
  /**
   * The HTTP status of its responses; a list when it depends on the cause (an answer of the tus
   * protocol library), in which case the response's own `status` says which. The contract check
   * of the tests holds every problem response to this (__tests__/support/contract.ts).
   */
  status: number | readonly number[];
  /** The `title` of its responses (RFC 9457: the same for every occurrence). */
  title: string;
  /** When it happens. */
  when: string;
  /** What the client can do about it. */
  fix: string;
}

export const PROBLEM_TYPES: Readonly<Record<string, ProblemType>> = {
  'validation-error': {
    status: 400,
    title: 'Bad Request',
    when:
      'The request cannot be read or does not pass validation: malformed JSON, an unknown or read-only body field, a missing ' +
      'required field, an unknown query parameter, filter operator or sort key, a value of the wrong type or out of range, a ' +
      'malformed header. The `errors` member lists each problem with where it is (`body.<field>`, `query.<param>`, ' +
      '`params.id`, `header.<name>`).',
    fix: 'Correct the inputs named in `errors` and send the request again. GET /api/v1/_schema (admins) and the OpenAPI document list what each resource accepts.',
  },
  unauthorized: {
    status: 401,
    title: 'Unauthorized',
    when: 'The request has no `Authorization: Bearer <token>` header, or its token is unknown, expired or revoked, or belongs to a disabled user; or a login failed.',
    fix: 'Log in again (POST /api/v1/auth/login) or use a valid API key.',
  },
  forbidden: {
    status: 403,
    title: 'Forbidden',
    when: 'The caller is authenticated but may not do this: an action that needs the ADMIN role, or a change to an object everyone may read but only its owner may change (algos).',
    fix: 'Use an account with the needed role, or ask the owner.',
  },
  'not-found': {
    status: 404,
    title: 'Not Found',
    when: 'No such path, or no such object — or an object that exists but belongs to someone the caller may not see (reported the same way, so ids cannot be probed).',
    fix: 'Check the path and the id, and that the object is yours.',
  },
  'method-not-allowed': {
    status: 405,
    title: 'Method Not Allowed',
    when: 'The path exists but does not take this method (e.g. a write on the event log).',
    fix: 'Use one of the methods in the `Allow` header.',
  },
  conflict: {
    status: 409,
    title: 'Conflict',
    when:
      'The change clashes with the data: a unique value that already exists (`errors` names the field), a row that is still ' +
      'referenced (e.g. a session that has recordings), a collision with a concurrent change, or a request with the same ' +
      '`Idempotency-Key` that is still running.',
    fix: 'Change the conflicting value, remove what still refers to the row (or use the documented cascade), or retry a little later.',
  },
  'precondition-failed': {
    status: 412,
    title: 'Precondition Failed',
    when: 'The `If-Match` header does not name the object’s current ETag: someone changed it since you read it.',
    fix: 'Read the object again (GET, for its new ETag), reapply your change, and send it with the new ETag.',
  },
  'request-timeout': {
    status: 408,
    title: 'Request Timeout',
    when: 'An upload of a recording’s file sent no bytes for CONTENT_IDLE_TIMEOUT (60 s by default) and was abandoned; nothing of it is kept.',
    fix: 'Send the file again (or resume a tus upload from its `Upload-Offset`) over a connection that keeps the bytes flowing.',
  },
  'payload-too-large': {
    status: 413,
    title: 'Content Too Large',
    when:
      'The request body is larger than the server’s limit: BODY_LIMIT (1 MiB by default) for JSON, CONTENT_MAX_BYTES (10 GB by ' +
      'default) for a recording’s file, said by `Content-Length` or `Upload-Length` or found while the bytes arrive.',
    fix: 'Send a smaller body, e.g. split a bulk create into several requests; a recording’s file must fit CONTENT_MAX_BYTES.',
  },
  'quota-exceeded': {
    status: 413,
    title: 'Content Too Large',
    when:
      'Storing this file would take the recording owner’s files (with their unfinished uploads) beyond the storage quota ' +
      '(CONTENT_QUOTA_BYTES); the detail gives the quota, what is in use and the file’s size.',
    fix: 'Delete files that are no longer needed (DELETE /api/v1/recordings/{id}/content) or ask the operators for a larger quota.',
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported Media Type',
    when: 'A request body that is not `application/json` (or in an unsupported character set).',
    fix: 'Send JSON with `Content-Type: application/json`.',
  },
  'range-not-satisfiable': {
    status: 416,
    title: 'Range Not Satisfiable',
    when: 'The `Range` of a download selects no byte of the recording’s file (it starts at or beyond its end); `Content-Range: bytes */<size>` gives the size.',
    fix: 'Ask for a range within the size in `Content-Range`, or for the whole file without `Range`.',
  },
  'digest-mismatch': {
    status: 422,
    title: 'Unprocessable Content',
    when:
      'The SHA-256 of an uploaded file differs from the one declared in `Content-Digest` or `Repr-Digest`, or from the `sha256` ' +
      'the recording declared before it had a file: the bytes were altered on the way, or the wrong file was sent. The file is ' +
      'not kept; the previous one, if any, stays.',
    fix: 'Send the right file again, with the digest of exactly those bytes.',
  },
  'malformed-file': {
    status: 422,
    title: 'Unprocessable Content',
    when: 'The header of an uploaded file does not follow its recording’s declared format (EDF, BDF or WAV); the detail says what is wrong. The file is not kept.',
    fix: 'Send a well-formed file of that format, or change the recording’s `format` if the file is of another kind.',
  },
  unprocessable: {
    status: 422,
    title: 'Unprocessable Content',
    when: 'The `Idempotency-Key` was used before with a different request (method, path or body).',
    fix: 'Use a new key for a new request; reuse a key only to retry the very same request.',
  },
  'rate-limited': {
    status: 429,
    title: 'Too Many Requests',
    when: 'Too many failed logins for the account or from the address, or more requests per minute than the token may make.',
    fix: 'Wait the number of seconds in `Retry-After`, then retry.',
  },
  'internal-error': {
    status: 500,
    title: 'Internal Server Error',
    when: 'An unexpected error on the server. No details are sent; the server logged them under the `requestId`.',
    fix: 'Retry later; if it persists, report the `requestId` to the operators.',
  },
  'service-unavailable': {
    status: 503,
    title: 'Service Unavailable',
    when:
      'The database is unreachable, did not answer in time, or refuses new connections (not accepting them, too many ' +
      'connections, authentication failing).',
    fix: 'Retry after `Retry-After` seconds.',
  },
  'storage-unavailable': {
    status: 503,
    title: 'Service Unavailable',
    when: 'The store of recording files (a directory or an S3 bucket) did not answer while a file was written or read; an upload is not kept.',
    fix: 'Retry after `Retry-After` seconds; an upload must be sent again.',
  },
  'content-changed': {
    status: 503,
    title: 'Service Unavailable',
    when: 'The recording’s file was replaced or removed between the moment its details were read and the moment its bytes were opened.',
    fix: 'Retry after `Retry-After` seconds: the retry reads the file as it is now.',
  },
  'insufficient-scope': {
    status: 403,
    title: 'Forbidden',
    when:
      'The token’s scope does not cover this route: a WORKER-scope API key called anything but the worker routes (claim, ' +
      'heartbeat, complete, fail) or the content of a recording whose run it holds; or a token without the WORKER scope ' +
      'called a worker route.',
    fix: 'Use a key of the right scope: `POST /api/v1/api-keys` with `"scope": "WORKER"` for a worker, a login token or an ordinary API key otherwise.',
  },
  'algo-not-runnable': {
    status: 409,
    title: 'Conflict',
    when: 'Runs were asked of an algo that is not PUBLISHED (DRAFT or DEPRECATED), or whose stored `parameters` schema cannot be compiled.',
    fix: 'Run a published version of the algo; its owner publishes it or fixes its `parameters` schema.',
  },
  'run-finished': {
    status: 409,
    title: 'Conflict',
    when: 'A run that has already ended (SUCCEEDED or FAILED) was asked to be cancelled. The `runStatus` member says how it ended.',
    fix: 'Nothing to cancel; start a new run if one is needed.',
  },
  'lease-lost': {
    status: 409,
    title: 'Conflict',
    when:
      'A worker’s heartbeat, complete or fail names a lease the run no longer has: the lease expired and the run went back to ' +
      'the queue or to another worker, or the run was cancelled or has ended. The `runStatus` member gives its state now.',
    fix: 'Stop working on the run and drop its result; do not retry the report. Send heartbeats well within the lease length.',
  },
  'upload-error': {
    status: [400, 403, 404, 409, 410, 412, 413, 500, 501],
    title: 'Upload Protocol Error',
    when:
      'The tus protocol of a resumable upload (`/api/v1/recordings/{id}/uploads`) was not followed, as the tus server ' +
      'reports it, the `detail` being its text: a missing `Tus-Resumable` (412, with `Tus-Version`), a malformed tus header ' +
      '(400), a missing `Upload-Offset` or `Content-Type` (403), an `Upload-Offset` other than the server’s (409), an upload ' +
      'that no longer exists (404, 410), bytes beyond its `Upload-Length` (413), an extension this server does not offer ' +
      '(concatenation, deferred length: 501), or a failure of the server (500).',
    fix:
      'Use a tus 1.0 client, or follow the protocol: HEAD the upload for its `Upload-Offset` and resume from there; after a 404 ' +
      'or 410, start a new upload.',
  },
  'not-ready': {
    status: 503,
    title: 'Service Unavailable',
    when: 'GET /readyz: a readiness check failed (database, pending migrations, SSH tunnel, shutting down); `checks` says which.',
    fix: 'Send no traffic to this instance until it is ready; the operators see the reason in `checks`.',
  },
};
