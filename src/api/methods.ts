import type { RequestHandler } from 'express';
import { methodNotAllowed } from '../core/errors';

/** Mounted last on a route: any other method gets 405 with `Allow`. */
export function only(...allowed: string[]): RequestHandler {
  return (req) => {
    throw methodNotAllowed(req.method, allowed);
  };
}
