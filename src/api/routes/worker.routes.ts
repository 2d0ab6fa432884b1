/**
 * The worker protocol (docs/runs.md), for API keys of WORKER scope only: claim runs with a lease
 * (long polling up to MAX_WAIT_SECONDS), renew the lease with heartbeats, and finish with complete
 * or fail. Every report names its lease; a report of a lease that is no longer the run's is a 409.
 * Mounted before the generic /runs/{id} routes (POST /runs/claim would be a 405 there).
 */
import { Router } from 'express';
import type { z } from 'zod';
import { access } from '../access';
import { only } from '../methods';
import { idParams, send } from '../http';
import { inputOf, noQuery, validate } from '../middleware/validate';
import { principalOf, type Principal } from '../../auth/principal';
import { claimBody, completeBody, failBody, heartbeatBody } from '../../models/run.model';
import type { ResourceService } from '../../resources/service';
import type { StoredResponse } from '../idempotency';
import type { ClaimedRun, RunRow } from '../../runs/queue';
import type { RunWakeups } from '../../runs/wakeups';
import type { Db } from '../../resources/descriptor';
import { performOnce, type RunRouteDeps } from './runs.routes';

/** Thrown inside an idempotent claim that found nothing, so that its key is released, not kept as a 204. */
class NoWork extends Error {}

/** A claimed run as the worker receives it: the run, its lease, the algo and the recording (with where its content is). */
function leaseOutput(runs: ResourceService, c: ClaimedRun, p: Principal, base: string): Record<string, unknown> {
  const { hasContent, sizeBytes, ...recording } = c.recording;
  return {
    run: runs.output(c.run, p),
    leaseId: c.leaseId,
    algo: c.algo,
    recording: {
      ...recording,
      sizeBytes: typeof sizeBytes === 'bigint' ? sizeBytes.toString() : (sizeBytes ?? null),
      contentUrl: hasContent ? `${base}/recordings/${c.recording.id}/content` : null,
    },
  };
}

export function workerRoutes(deps: RunRouteDeps & { wakeups?: RunWakeups }): Router {
  const found = deps.services.get('runs');
  if (!found) throw new Error('runs must be registered');
  const runs: ResourceService = found;
  const { queue } = deps;
  const router = Router();

  const claimSchemas = { query: noQuery, body: claimBody };
  router
    .route('/runs/claim')
    .post(access('worker'), validate(claimSchemas), async (req, res) => {
      const p = principalOf(res);
      const input = inputOf(res, claimSchemas).body;
      // A client that has gone must not be given runs (their leases would only expire).
      const gone = new AbortController();
      res.once('close', () => gone.abort());
      const deadline = Date.now() + input.waitSeconds * 1000;
      const claimOnce = async (db: Db): Promise<StoredResponse> => {
        const claimed = await queue.claim(db, p, input);
        if (!claimed.length) throw new NoWork();
        return { status: 200, body: { data: claimed.map((c) => leaseOutput(runs, c, p, req.baseUrl)) }, headers: {} };
      };
      for (;;) {
        if (gone.signal.aborted) return;
        const response = await performOnce(deps, req, p, claimOnce).catch((err: unknown) => {
          if (err instanceof NoWork) return undefined;
          throw err;
        });
        if (response) return send(res, response, 'replayed' in response);
        const left = deadline - Date.now();
        if (left <= 0 || !deps.wakeups || deps.wakeups.isClosed) break;
        // A retried run becomes available when its backoff ends, which no notification announces.
        const next = (await queue.nextAvailableIn(deps.prisma, p, input)) ?? Infinity;
        await deps.wakeups.wait(Math.min(left, deps.wakeups.pollMs, next + 5), gone.signal);
      }
      if (!gone.signal.aborted) res.status(204).end();
    })
    .all(only('POST'));

  function report<T>(path: string, schema: z.ZodType<T>, handle: (db: Db, p: Principal, id: string, input: T) => Promise<RunRow>): void {
    const schemas = { params: idParams(runs.d), query: noQuery, body: schema };
    router
      .route(`/runs/:id/${path}`)
      .post(access('worker'), validate(schemas), async (req, res) => {
        const p = principalOf(res);
        const { params, body: input } = inputOf(res, schemas);
        const id = String(params.id);
        const response = await performOnce(deps, req, p, async (db) => ({
          status: 200,
          body: runs.output(await handle(db, p, id, input), p),
          headers: {},
        }));
        send(res, response, 'replayed' in response);
      })
      .all(only('POST'));
  }

  report('heartbeat', heartbeatBody, (db, p, id, input) => queue.heartbeat(db, p, id, input));
  report('complete', completeBody, (db, p, id, input) => queue.complete(db, p, id, input));
  report('fail', failBody, (db, p, id, input) => queue.fail(db, p, id, input));
  return router;
}
