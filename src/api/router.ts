/**
 * /api/v1: authentication first (who is calling), then each area's routes; every route
 * declares who may call it with access() (src/api/access.ts).
 */
import { Router } from 'express';
import type { AppDeps } from '../app';
import { authenticate } from '../auth/authenticate';
import { AuthService } from '../auth/login';
import { RequestLimiter } from '../auth/rate-limits';
import { perTokenLimit } from './middleware/rate-limit';
import { apiKeyRoutes } from './routes/api-keys.routes';
import { authRoutes } from './routes/auth.routes';
import { resourceRoutes } from './routes/resource.routes';
import { nestedRoutes } from './routes/nested.routes';
import { createServices, descriptors, lookupService } from '../resources/registry';
import { schemaRoutes } from './routes/schema.routes';
import { contentRoutes } from './routes/content.routes';
import { uploadRoutes } from './routes/uploads.routes';
import { ContentService } from '../content/service';
import type { ContentStore } from '../storage';
import { traced } from '../telemetry/spans';
import { recordContentBytes } from '../telemetry/metrics';
import { RunQueue } from '../runs/queue';
import { RunWakeups } from '../runs/wakeups';
import { runRoutes } from './routes/runs.routes';
import { workerRoutes } from './routes/worker.routes';

export function apiRouter(deps: AppDeps & { store: ContentStore }): Router {
  const { prisma } = deps.db;
  const { auth, rateLimit } = deps.config;
  const router = Router();
  router.use(traced('auth.authenticate', authenticate(deps.db, deps.tokenCache)));
  if (rateLimit.perMinute) router.use(perTokenLimit(new RequestLimiter(prisma, rateLimit.perMinute)));
  router.use(authRoutes(new AuthService(prisma, auth), prisma));
  router.use(apiKeyRoutes(prisma));
  const services = createServices(deps.db, undefined, { oneStatementWrites: deps.oneStatementWrites });
  const recordings = lookupService(services, 'recordings');
  const content = new ContentService({ prisma, schema: deps.db.schema, store: deps.store, recordings, limits: deps.config.content });
  content.events.on('uploaded', ({ bytes }) => recordContentBytes('upload', bytes));
  content.events.on('downloaded', ({ bytes }) => recordContentBytes('download', bytes));
  const routeDeps = { prisma, schema: deps.db.schema, commitDeps: { recordingDeleted: (id: string) => content.recordingDeleted(id) } };
  router.use(schemaRoutes(descriptors));
  for (const child of services.values()) {
    if (child.d.parent) router.use(nestedRoutes(child, lookupService(services, child.d.parent.resource), routeDeps));
  }
  const queue = new RunQueue(deps.db.schema, deps.config.runs);
  // Without notifications (no listener given: tests, PGlite) waiting claims re-poll every second.
  const runDeps = { ...routeDeps, services, queue, wakeups: deps.runWakeups ?? new RunWakeups() };
  router.use(runRoutes(runDeps));
  router.use(workerRoutes(runDeps));
  router.use(contentRoutes(content, { workerMayRead: (p, id) => queue.holdsRecording(prisma, p, id) }));
  router.use(uploadRoutes(content, deps.config.http.corsOrigins));
  for (const service of services.values()) router.use(resourceRoutes(service, routeDeps));
  return router;
}
