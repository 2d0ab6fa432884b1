/**
 * Every route declares who may call it, as its first handler; a test walks the mounted
 * routes and fails on any route without a declaration (__tests__/api/auth-routes.test.ts).
 *   public         anyone (login, health, docs)
 *   authenticated  any valid token of FULL scope (login tokens, ordinary API keys)
 *   admin          a valid FULL token of an ADMIN
 *   worker         an API key of WORKER scope only (claiming and reporting algorithm runs)
 *   userOrWorker   either; the route applies its own rule to workers (a recording's content:
 *                  only while the worker holds a run of that recording)
 * A worker key is refused (403 insufficient-scope) by every route that does not name workers, so
 * what it can do is the short list of routes that say `worker` or `userOrWorker` (docs/runs.md).
 */
import type { RequestHandler } from 'express';
import { forbidden, HttpError } from '../core/errors';
import { principalOf, type Principal } from '../auth/principal';

export type Access = 'public' | 'authenticated' | 'admin' | 'worker' | 'userOrWorker';

export type AccessHandler = RequestHandler & { access: Access };

export const insufficientScope = (detail: string): HttpError =>
  new HttpError({ status: 403, type: 'insufficient-scope', title: 'Forbidden', detail });

export const isWorker = (p: Principal): boolean => p.scope === 'WORKER';

export function access(level: Access): AccessHandler {
  const handler: RequestHandler = (_req, res, next) => {
    if (level !== 'public') {
      const principal = principalOf(res); // 401 without a valid token
      if (level === 'worker' && !isWorker(principal)) {
        throw insufficientScope('Only an API key with the WORKER scope may do this (POST /api/v1/api-keys with "scope": "WORKER")');
      }
      if ((level === 'authenticated' || level === 'admin') && isWorker(principal)) {
        throw insufficientScope(
          'An API key with the WORKER scope may only claim and report runs and read the content of the recordings of the runs it holds',
        );
      }
      if (level === 'admin' && principal.role !== 'ADMIN') throw forbidden('This action needs the ADMIN role');
    }
    next();
  };
  return Object.assign(handler, { access: level });
}
