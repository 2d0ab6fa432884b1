import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { requestContext } from '../../core/context';
import { tagRequestSpan } from '../../telemetry/spans';

/** Ids a client may choose: short, printable, safe in logs and headers. */
const ACCEPTABLE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/**
 * Gives every request an id: the client's `X-Request-Id` when well-formed, a new UUID
 * otherwise. It is echoed in the response, carried by every log line of the request
 * (AsyncLocalStorage), written to the event log and, with tracing on, set on the request's span.
 */
export const requestId: RequestHandler = (req, res, next) => {
  const offered = req.get('x-request-id');
  const id = offered && ACCEPTABLE.test(offered) ? offered : randomUUID();
  res.locals.requestId = id;
  res.setHeader('X-Request-Id', id);
  tagRequestSpan(id);
  requestContext.run({ requestId: id }, next);
};
