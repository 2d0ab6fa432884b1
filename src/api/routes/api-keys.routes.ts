/**
 * /api-keys: a user's long-lived keys (and its login tokens, kind LOGIN). The secret is in the
 * response to POST only. Members see and revoke their own keys; another user's key is a 404.
 * Admins may revoke any key and list all of them with `?all=true`.
 */
import { Router } from 'express';
import type { PrismaClient } from '../../generated/prisma/client';
import { getKey, issueApiKey, listKeys, revokeKey } from '../../auth/api-keys';
import { principalOf } from '../../auth/principal';
import { apiKeyIdSchemas, createApiKeySchemas, listApiKeysSchemas } from '../../auth/schemas';
import { forbidden } from '../../core/errors';
import { access } from '../access';
import { only } from '../methods';
import { inputOf, validate } from '../middleware/validate';

export function apiKeyRoutes(prisma: PrismaClient): Router {
  const router = Router();

  router
    .route('/api-keys')
    .get(access('authenticated'), validate(listApiKeysSchemas), async (_req, res) => {
      const principal = principalOf(res);
      const { query } = inputOf(res, listApiKeysSchemas);
      if (query.all && principal.role !== 'ADMIN') throw forbidden('Only admins may list every user’s keys');
      res.json(await listKeys(prisma, principal, query));
    })
    .post(access('authenticated'), validate(createApiKeySchemas), async (req, res) => {
      const principal = principalOf(res);
      const { body } = inputOf(res, createApiKeySchemas);
      const key = await issueApiKey(
        prisma,
        { userId: principal.userId, name: body.name, expiresAt: body.expiresAt ?? null, scope: body.scope },
        principal.userId,
      );
      res.status(201).location(`${req.baseUrl}/api-keys/${key.id}`).set('Cache-Control', 'no-store').json(key);
    })
    .all(only('GET', 'HEAD', 'POST'));

  router
    .route('/api-keys/:id')
    .get(access('authenticated'), validate(apiKeyIdSchemas), async (_req, res) => {
      const { params } = inputOf(res, apiKeyIdSchemas);
      res.json(await getKey(prisma, principalOf(res), params.id));
    })
    .delete(access('authenticated'), validate(apiKeyIdSchemas), async (_req, res) => {
      const { params } = inputOf(res, apiKeyIdSchemas);
      await revokeKey(prisma, principalOf(res), params.id);
      res.status(204).end();
    })
    .all(only('GET', 'HEAD', 'DELETE'));

  return router;
}
