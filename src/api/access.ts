/**
 * Every route declares who may call it, as its first handler; a test walks the mounted
 * routes and fails on any route without a declaration (__tests__/api/auth-routes.test.ts).
 *   public         anyone (login, health, docs)
 *   authenticated  any valid token
 *   admin          a valid token of an ADMIN
 */
import type { RequestHandler } from 'express';
import { forbidden } from '../core/errors';
import { principalOf } from '../auth/principal';

export type Access = 'public' | 'authenticated' | 'admin';

export type AccessHandler = RequestHandler & { access: Access };

export function access(level: Access): AccessHandler {
  const handler: RequestHandler = (_req, res, next) => {
    if (level !== 'public') {
      const principal = principalOf(res); // 401 without a valid token
      if (level === 'admin' && principal.role !== 'ADMIN') throw forbidden('This action needs the ADMIN role');
    }
    next();
  };
  return Object.assign(handler, { access: level });
}
