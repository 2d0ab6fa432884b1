/**
 * Runs as their owners see them: /algos/{id}/runs (start runs of a published algo on recordings,
 * list the caller's runs of it), /recordings/{id}/runs, and POST /runs/{id}/cancel. GET /runs and
 * /runs/{id} are the generic listing routes (src/api/routes/resource.routes.ts).
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import { access } from '../access';
import { only } from '../methods';
import { idParams, parseId, send } from '../http';
import { inputOf, noQuery, validate } from '../middleware/validate';
import { principalOf, type Principal } from '../../auth/principal';
import type { Services } from '../../resources/registry';
import type { Db } from '../../resources/descriptor';
import { idempotent, type Replay, type StoredResponse } from '../idempotency';
import { etagOf } from '../../resources/output';
import type { RunQueue } from '../../runs/queue';
import { recordRunEvents } from '../../telemetry/metrics';
import { createFrom, listFrom, TRANSACTION, type ResourceRouteDeps } from './resource.routes';

export interface RunRouteDeps extends ResourceRouteDeps {
  services: Services;
  queue: RunQueue;
}

/**
 * Runs `write` once: on the client as it is, or, with an Idempotency-Key, inside the transaction
 * that stores its response for replays (src/api/idempotency.ts).
 */
export function performOnce(
  deps: Pick<ResourceRouteDeps, 'prisma' | 'schema'>,
  req: Request,
  p: Principal,
  write: (db: Db) => Promise<StoredResponse>,
): Promise<StoredResponse | Replay> {
  const key = req.get('idempotency-key');
  if (key === undefined) return write(deps.prisma);
  return idempotent(deps, { key, userId: p.userId, method: req.method, path: req.baseUrl + req.path, body: req.body }, write, TRANSACTION);
}

export function runRoutes(deps: RunRouteDeps): Router {
  const get = (name: string) => {
    const service = deps.services.get(name);
    if (!service) throw new Error(`${name} must be registered`);
    return service;
  };
  const [algos, recordings, runs] = [get('algos'), get('recordings'), get('runs')];
  const router = Router();

  router
    .route('/algos/:id/runs')
    .get(access('authenticated'), async (req, res) => {
      const algo = await algos.get(principalOf(res), parseId(algos.d, req.params.id));
      await listFrom(runs, req, res, { algoId: algo.id });
    })
    .post(access('authenticated'), async (req, res) => {
      const algo = await algos.get(principalOf(res), parseId(algos.d, req.params.id));
      await createFrom(runs, deps, req, res, { algoId: algo.id });
      if (res.statusCode === 201 && !res.getHeader('Idempotent-Replayed')) {
        recordRunEvents('created', Array.isArray(req.body) ? req.body.length : 1);
      }
    })
    .all(only('GET', 'HEAD', 'POST'));

  router
    .route('/recordings/:id/runs')
    .get(access('authenticated'), async (req, res) => {
      const recording = await recordings.get(principalOf(res), parseId(recordings.d, req.params.id));
      await listFrom(runs, req, res, { recordingId: recording.id });
    })
    .all(only('GET', 'HEAD'));

  const cancelSchemas = { params: idParams(runs.d), query: noQuery, body: z.object({}).strict() };
  router
    .route('/runs/:id/cancel')
    .post(access('authenticated'), validate(cancelSchemas), async (req, res) => {
      const p = principalOf(res);
      const id = String(inputOf(res, cancelSchemas).params.id);
      const response = await performOnce(deps, req, p, async (db) => {
        const run = runs.output(await deps.queue.cancel(db, p, id, () => runs.find(db, p, id)), p);
        return { status: 200, body: run, headers: { ETag: etagOf(run) } };
      });
      send(res, response, 'replayed' in response);
    })
    .all(only('POST'));

  return router;
}
