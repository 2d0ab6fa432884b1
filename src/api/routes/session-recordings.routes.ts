/** /sessions/{id}/recordings: the recordings of one session (the session must be visible: 404 otherwise). */
import { Router } from 'express';
import { access } from '../access';
import { only } from '../methods';
import { parseBody, parseId } from '../http';
import { principalOf } from '../../auth/principal';
import type { Services } from '../../resources/registry';
import { createFrom, listFrom, type ResourceRouteDeps } from './resource.routes';
import { badRequest } from '../../core/errors';
import { z } from 'zod';

export function sessionRecordingsRoutes(services: Services, deps: ResourceRouteDeps): Router {
  const sessions = services.get('sessions');
  const recordings = services.get('recordings');
  if (!sessions || !recordings) throw new Error('sessions and recordings must be registered');
  const router = Router();
  router
    .route('/sessions/:id/recordings')
    .get(access('authenticated'), async (req, res) => {
      const session = await sessions.get(principalOf(res), parseId(sessions.d, req.params.id));
      await listFrom(recordings, req, res, { sessionId: session.id });
    })
    .post(access('authenticated'), async (req, res) => {
      const session = await sessions.get(principalOf(res), parseId(sessions.d, req.params.id));
      // The path names the session; a body naming another one is a mistake, not an override.
      const items: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
      const named = parseBody(z.array(z.object({ sessionId: z.unknown().optional() }).loose()), items);
      if (named.some((i) => i.sessionId !== undefined && i.sessionId !== session.id)) {
        throw badRequest('The body names another session than the path', [
          { path: 'body.sessionId', message: 'must be omitted or equal the session in the path' },
        ]);
      }
      await createFrom(recordings, deps, req, res, { sessionId: session.id, userId: session.userId });
    })
    .all(only('GET', 'HEAD', 'POST'));
  return router;
}
