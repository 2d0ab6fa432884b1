/**
 * Every problem type the API answers with (the `type` member of an application/problem+json
 * body, `/problems/<slug>`), and what a client should make of it. GET /problems/<slug> serves
 * this as a page (src/api/routes/home.routes.ts), so a problem's type URI leads to its
 * description (RFC 9457, section 3.1.1). A test fails when the code raises a type that is not
 * listed here (__tests__/unit/problem-types.test.ts).
 */
export interface ProblemType {
  status: number;
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
  'payload-too-large': {
    status: 413,
    title: 'Content Too Large',
    when: 'The request body is larger than the server’s limit (BODY_LIMIT, 1 MiB by default).',
    fix: 'Send a smaller body, e.g. split a bulk create into several requests.',
  },
  'unsupported-media-type': {
    status: 415,
    title: 'Unsupported Media Type',
    when: 'A request body that is not `application/json` (or in an unsupported character set).',
    fix: 'Send JSON with `Content-Type: application/json`.',
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
    when: 'The database is unreachable or did not answer in time.',
    fix: 'Retry after `Retry-After` seconds.',
  },
  'not-ready': {
    status: 503,
    title: 'Service Unavailable',
    when: 'GET /readyz: a readiness check failed (database, pending migrations, SSH tunnel, shutting down); `checks` says which.',
    fix: 'Send no traffic to this instance until it is ready; the operators see the reason in `checks`.',
  },
};
