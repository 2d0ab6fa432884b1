/** /auth: password login (a login token), logout, who am I, and a user's own password change. */
import { Router, type Request } from 'express';
import type { PrismaClient } from '../../generated/prisma/client';
import type { AuthService } from '../../auth/login';
import { principalOf } from '../../auth/principal';
import { changePasswordSchemas, loginSchemas } from '../../auth/schemas';
import { getKey } from '../../auth/api-keys';
import { getPublicUser } from '../../auth/users';
import { access } from '../access';
import { only } from '../methods';
import { inputOf, validate } from '../middleware/validate';

/** The client's address as Express sees it (TRUST_PROXY decides whether X-Forwarded-For counts). */
export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}

export function authRoutes(auth: AuthService, prisma: PrismaClient): Router {
  const router = Router();

  router
    .route('/auth/login')
    .post(access('public'), validate(loginSchemas), async (req, res) => {
      const { body } = inputOf(res, loginSchemas);
      const result = await auth.login({ email: body.email, password: body.password, ip: clientIp(req) });
      res.set('Cache-Control', 'no-store').json(result);
    })
    .all(only('POST'));

  router
    .route('/auth/logout')
    .post(access('authenticated'), async (_req, res) => {
      await auth.logout(principalOf(res));
      res.status(204).end();
    })
    .all(only('POST'));

  router
    .route('/auth/me')
    .get(access('authenticated'), async (_req, res) => {
      const principal = principalOf(res);
      const [user, token] = await Promise.all([getPublicUser(prisma, principal.userId), getKey(prisma, principal, principal.tokenId)]);
      res.set('Cache-Control', 'no-store').json({ user, token });
    })
    .all(only('GET', 'HEAD'));

  router
    .route('/auth/password')
    .post(access('authenticated'), validate(changePasswordSchemas), async (req, res) => {
      const { body } = inputOf(res, changePasswordSchemas);
      await auth.changePassword(principalOf(res), { ...body, ip: clientIp(req) });
      res.status(204).end();
    })
    .all(only('POST'));

  return router;
}
