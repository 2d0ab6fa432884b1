/**
 * The one place where errors become responses: application/problem+json (RFC 9457) with the
 * request id. Unknown errors are logged in full and answered with a bare 500.
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { HttpError, badRequest, notFound, unsupportedMediaType } from '../../core/errors';
import { logger } from '../../core/logging';
import { httpErrorFromDatabase } from '../../db/errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** body-parser errors carry a `type`; map them to the contract's statuses. */
function fromBodyParser(err: { type?: unknown; status?: unknown; message?: unknown }): HttpError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return badRequest(`The request body is not valid JSON: ${String(err.message)}`);
    case 'entity.too.large':
      return new HttpError({
        status: 413,
        type: 'payload-too-large',
        title: 'Content Too Large',
        detail: 'The request body is larger than the limit',
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return unsupportedMediaType(String(err.message));
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return badRequest(String(err.message));
    default:
      return undefined;
  }
}

export function toHttpError(err: unknown): HttpError | undefined {
  if (err instanceof HttpError) return err;
  if (err instanceof z.ZodError) {
    return badRequest(
      'The request is not valid',
      err.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    );
  }
  if (err && typeof err === 'object') {
    const parsed = fromBodyParser(err as { type?: unknown });
    if (parsed) return parsed;
  }
  return httpErrorFromDatabase(err);
}

export function sendProblem(res: Response, error: HttpError, instance: string): void {
  for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
  res
    .status(error.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(
      JSON.stringify({
        type: `/problems/${error.type}`,
        title: error.title,
        status: error.status,
        detail: error.detail,
        instance,
        requestId: res.locals.requestId as string | undefined,
        ...error.extensions,
        ...(error.errors?.length ? { errors: error.errors } : {}),
      }),
    );
}

export const notFoundHandler: RequestHandler = (req) => {
  throw notFound(`No resource at ${req.path}`);
};

export const problemHandler: ErrorRequestHandler = (err: unknown, req, res, next) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  const known = toHttpError(err);
  if (known) {
    if (known.status >= 500) logger.warn(`${known.status} ${known.detail ?? known.title}`, { error: (err as Error).message });
    sendProblem(res, known, req.originalUrl.split('?')[0] ?? req.path);
    return;
  }
  logger.error('unhandled error', { error: err instanceof Error ? err.stack : String(err) });
  sendProblem(
    res,
    new HttpError({ status: 500, type: 'internal-error', title: 'Internal Server Error', detail: 'An unexpected error occurred' }),
    req.originalUrl.split('?')[0] ?? req.path,
  );
};
