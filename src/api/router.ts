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
import { sessionRecordingsRoutes } from './routes/session-recordings.routes';
import { createServices, descriptors } from '../resources/registry';
import { schemaRoutes } from './routes/schema.routes';

export function apiRouter(deps: AppDeps): Router {
  const { prisma } = deps.db;
  const { auth, rateLimit } = deps.config;
  const router = Router();
  router.use(authenticate(deps.db, deps.tokenCache));
  if (rateLimit.perMinute) router.use(perTokenLimit(new RequestLimiter(prisma, rateLimit.perMinute)));
  router.use(authRoutes(new AuthService(prisma, auth), prisma));
  router.use(apiKeyRoutes(prisma));
  const services = createServices(deps.db);
  router.use(schemaRoutes(descriptors));
  router.use(sessionRecordingsRoutes(services, { prisma }));
  for (const service of services.values()) router.use(resourceRoutes(service, { prisma }));
  return router;
}
