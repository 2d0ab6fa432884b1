import { Router } from 'express';
import { HttpError } from '../../core/errors';
import type { CheckResult } from '../../db/health';
import { only } from '../methods';
import { recordReadiness } from '../../telemetry/metrics';

export interface HealthDeps {
  /** Readiness checks (database, migrations, tunnel, draining). */
  readiness: () => Promise<CheckResult[]>;
}

/** Liveness and readiness, outside /api/v1 and without authentication (for orchestrators). */
export function healthRoutes(deps: HealthDeps): Router {
  const router = Router();
  router
    .route('/healthz')
    .get((_req, res) => {
      res.set('Cache-Control', 'no-store').json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
    })
    .all(only('GET', 'HEAD'));
  router
    .route('/readyz')
    .get(async (_req, res) => {
      res.set('Cache-Control', 'no-store');
      const checks = await deps.readiness();
      const failing = checks.filter((c) => !c.ok);
      recordReadiness(failing.length === 0);
      if (failing.length) {
        throw new HttpError({
          status: 503,
          type: 'not-ready',
          title: 'Service Unavailable',
          detail: failing.map((c) => `${c.name}: ${c.detail ?? 'failing'}`).join('; '),
          headers: { 'Retry-After': '1' },
          extensions: { checks },
        });
      }
      res.json({ status: 'ready', checks });
    })
    .all(only('GET', 'HEAD'));
  return router;
}
