/**
 * createApp builds the Express application from its dependencies. It listens on nothing and
 * keeps no globals: src/main.ts starts it, tests drive it with supertest.
 */
import express, { type Express } from 'express';
import cors from 'cors';
import helmet from 'helmet';
import type { Config } from './core/config';
import type { Database } from './db/connection';
import type { TokenCache } from './auth/token-cache';
import { databaseChecks, type CheckResult } from './db/health';
import { requestId } from './api/middleware/request-id';
import { accessLog } from './api/middleware/access-log';
import { jsonBody } from './api/middleware/json-body';
import { storableInput, wellFormedPath } from './api/middleware/input-guard';
import { notFoundHandler, problemHandler } from './api/middleware/problem';
import { healthRoutes } from './api/routes/health.routes';
import { apiRouter } from './api/router';
import { docsRoutes } from './api/routes/docs.routes';
import { openApiDocument } from './api/openapi';
import { takesRawBody } from './api/raw-body';
import { createContentStore, type ContentStore } from './storage';
import { requestMetrics } from './telemetry/http-metrics';
import type { RunWakeups } from './runs/wakeups';

export interface AppDeps {
  config: Readonly<Config>;
  db: Database;
  /** Resolved tokens kept in memory (src/auth/token-invalidation.ts); without it every request reads its token. */
  tokenCache?: TokenCache;
  /** Further readiness checks owned by the caller (draining, SSH tunnel). */
  extraChecks?: Array<() => CheckResult | Promise<CheckResult>>;
  /** Where recordings' files are kept; by default the store the configuration names. */
  store?: ContentStore;
  /** Wakes long-polling run claims when runs are queued (src/runs/wakeups.ts); without it they re-poll every second. */
  runWakeups?: RunWakeups;
  /** false: every write in a transaction, none as one statement (src/resources/direct-writes.ts); for comparing the two. */
  oneStatementWrites?: boolean;
}

export function createApp(deps: AppDeps): Express {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false); // resources set their own ETags
  if (config.http.trustProxy) app.set('trust proxy', config.http.trustProxy);

  const store = deps.store ?? createContentStore(config.storage);
  const dbChecks = databaseChecks(deps.db);
  const readiness = async (): Promise<CheckResult[]> => [
    ...(await Promise.all([...(deps.extraChecks ?? []), () => store.check()].map((check) => check()))),
    ...(await dbChecks()),
  ];

  // First, so that every request is logged, counted and timed (docs/operations.md).
  app.use(accessLog(config.metrics.enabled ? requestMetrics(deps.db.pool) : undefined), requestId, helmet(), wellFormedPath);
  // Only the configured origins get CORS headers; tokens travel in Authorization, not cookies,
  // so credentials are never allowed (and '*' is refused by the config).
  app.use(
    cors({
      origin: config.http.corsOrigins.length ? [...config.http.corsOrigins] : false,
      credentials: false,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: [
        ...['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Idempotency-Key', 'X-Request-Id'],
        // recording content and tus uploads
        ...['Range', 'If-Range', 'Content-Digest', 'Repr-Digest', 'Tus-Resumable', 'Upload-Length', 'Upload-Offset', 'Upload-Metadata'],
      ],
      exposedHeaders: [
        ...['Location', 'ETag', 'Link', 'Retry-After', 'X-Request-Id', 'Idempotent-Replayed'],
        ...['Content-Range', 'Accept-Ranges', 'Content-Disposition', 'Repr-Digest'],
        ...[
          'Tus-Resumable',
          'Tus-Version',
          'Tus-Extension',
          'Tus-Max-Size',
          'Upload-Offset',
          'Upload-Length',
          'Upload-Expires',
          'Upload-Metadata',
        ],
      ],
      maxAge: 600,
    }),
  );
  app.use(healthRoutes({ readiness }));
  app.use(docsRoutes(openApiDocument()));
  app.use(jsonBody(config.http.bodyLimitBytes, takesRawBody), storableInput);
  app.use('/api/v1', apiRouter({ ...deps, store }));
  app.use(notFoundHandler);
  app.use(problemHandler);
  return app;
}
