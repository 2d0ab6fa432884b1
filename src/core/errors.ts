/**
 * Typed errors. Anything thrown in a request ends as application/problem+json (RFC 9457)
 * through one middleware (src/api/middleware/problem.ts).
 */
export interface FieldError {
  /** Where the problem is: `body.email`, `query.limit`, `params.id`, `header.if-match`. */
  path: string;
  message: string;
}

export interface ProblemInit {
  status: number;
  /** A short slug, turned into the problem type URI `/problems/<slug>`. */
  type: string;
  title: string;
  detail?: string;
  errors?: FieldError[];
  headers?: Record<string, string>;
  /** Extension members of the problem document (RFC 9457 section 3.2). */
  extensions?: Record<string, unknown>;
}

export class HttpError extends Error {
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;

  constructor(init: ProblemInit) {
    super(init.detail ?? init.title);
    this.name = 'HttpError';
    this.status = init.status;
    this.type = init.type;
    this.title = init.title;
    this.detail = init.detail;
    this.errors = init.errors;
    this.headers = init.headers ?? {};
    this.extensions = init.extensions ?? {};
  }
}

export const badRequest = (detail: string, errors?: FieldError[]): HttpError =>
  new HttpError({ status: 400, type: 'validation-error', title: 'Bad Request', detail, errors });

export const unauthorized = (detail: string): HttpError =>
  new HttpError({
    status: 401,
    type: 'unauthorized',
    title: 'Unauthorized',
    detail,
    headers: { 'WWW-Authenticate': 'Bearer realm="backendapi"' },
  });

export const forbidden = (detail: string): HttpError => new HttpError({ status: 403, type: 'forbidden', title: 'Forbidden', detail });

export const notFound = (detail: string): HttpError => new HttpError({ status: 404, type: 'not-found', title: 'Not Found', detail });

export const methodNotAllowed = (method: string, allowed: readonly string[]): HttpError =>
  new HttpError({
    status: 405,
    type: 'method-not-allowed',
    title: 'Method Not Allowed',
    detail: `${method} is not allowed here; allowed: ${allowed.join(', ')}`,
    headers: { Allow: allowed.join(', ') },
  });

export const conflict = (detail: string, errors?: FieldError[]): HttpError =>
  new HttpError({ status: 409, type: 'conflict', title: 'Conflict', detail, errors });

export const preconditionFailed = (detail: string): HttpError =>
  new HttpError({ status: 412, type: 'precondition-failed', title: 'Precondition Failed', detail });

export const unsupportedMediaType = (detail: string): HttpError =>
  new HttpError({ status: 415, type: 'unsupported-media-type', title: 'Unsupported Media Type', detail });

export const unprocessable = (detail: string): HttpError =>
  new HttpError({ status: 422, type: 'unprocessable', title: 'Unprocessable Content', detail });

export const tooManyRequests = (detail: string, retryAfterSeconds: number): HttpError =>
  new HttpError({
    status: 429,
    type: 'rate-limited',
    title: 'Too Many Requests',
    detail,
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });

export const serviceUnavailable = (detail: string, retryAfterSeconds = 1): HttpError =>
  new HttpError({
    status: 503,
    type: 'service-unavailable',
    title: 'Service Unavailable',
    detail,
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
