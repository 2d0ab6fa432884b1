/**
 * Input every route can rely on, checked before routing so that no route, validator or query
 * sees it otherwise: a path whose percent-escapes decode, and query values and JSON bodies
 * whose text PostgreSQL can store and whose nesting is bounded (src/core/input-limits.ts).
 * Each problem is a 400 naming where it is (`path`, `query.<param>`, `body.<field>…`).
 */
import type { RequestHandler } from 'express';
import { badRequest } from '../../core/errors';
import { inspect } from '../../core/input-limits';

/**
 * The router decodes path parameters with decodeURIComponent and throws on `%zz` or a
 * truncated `%E2%82`; that would surface as an unknown error. Checked here instead, for
 * every path, before authentication and routing.
 */
export const wellFormedPath: RequestHandler = (req, _res, next) => {
  for (const segment of req.path.split('/')) {
    if (!segment.includes('%')) continue;
    try {
      decodeURIComponent(segment);
    } catch {
      throw badRequest('The request path is not valid', [
        { path: 'path', message: `"${segment.slice(0, 100)}" holds a malformed percent-escape` },
      ]);
    }
  }
  next();
};

/** Every query value and body string storable, every body nested at most MAX_JSON_DEPTH levels. */
export const storableInput: RequestHandler = (req, _res, next) => {
  const errors = [...inspect('query', req.query), ...(req.body === undefined ? [] : inspect('body', req.body))];
  if (errors.length) throw badRequest('The request holds text or nesting that cannot be stored', errors);
  next();
};
