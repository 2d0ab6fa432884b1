/**
 * Starts backendapi: configuration, database (embedded or external), migrations, HTTP,
 * metrics, and a graceful shutdown on SIGTERM/SIGINT.
 */
// First of all: tracing (when OTEL_* asks for it) must start before http, express and pg load.
import './telemetry/preload';
import type { Server } from 'node:http';
import { once } from 'node:events';
import type { Config } from './core/config';
import { processConfig } from './core/process-config';
import { applyV8Settings } from './core/v8-settings';
import { logger } from './core/logging';
import { explainDatabaseError } from './db/connection-error';
import { applyPendingMigrations } from './db/migrations';
import { connectTarget } from './db/open';
import { openDatabaseTarget } from './db/target';
import { createApp } from './app';
import { purgeExpiredKeys } from './api/idempotency';
import { purgeLoginTokens } from './auth/api-keys';
import { createContentStore } from './storage';
import { startContentSweep } from './content/sweep';
import { serveMetrics } from './telemetry/metrics-server';
import { stopTracing } from './telemetry/tracing-switch';
import { startTokenCache } from './auth/token-invalidation';
import { startRunWakeups } from './runs/wakeups';
import { RunQueue } from './runs/queue';
import { startLeaseSweep } from './runs/sweep';

async function main(config: Readonly<Config>): Promise<void> {
  const started = Date.now();
  // Before the database: a port already in use stops start-up before anything else is opened.
  await serveMetrics(config.metrics);

  // Opened as every script opens it (src/db/open.ts), but closed by the shutdown below, not after a task.
  const target = await openDatabaseTarget(config);
  const db = connectTarget(config, target, { timeQueries: config.metrics.enabled });
  if (config.database.migrateOnStart) {
    const applied = await applyPendingMigrations(db.pool, db.schema, target.url);
    if (applied.length) logger.info(`applied ${applied.length} migration(s): ${applied.join(', ')}`);
  }

  // PGlite is one session: a LISTEN connection of its own would interleave with the app's and
  // hear nothing, so tokens are read on every request there (docs/scaling.md).
  const tokens = target.maxConnections === 1 ? undefined : startTokenCache({ url: target.url, pool: db.pool, writes: db.writes });
  if (!tokens) logger.info('token cache off on a PGlite server: every request reads its token');
  // Long-polling run claims are woken by NOTIFY (not on PGlite, for the same reason: they re-poll).
  const runWakeups = target.maxConnections === 1 ? undefined : startRunWakeups({ url: target.url, pool: db.pool });
  let draining = false;
  const { tunnel } = target;
  const store = createContentStore(config.storage);
  const app = createApp({
    config,
    db,
    store,
    tokenCache: tokens?.cache,
    runWakeups: runWakeups?.wakeups,
    extraChecks: [
      () => ({ name: 'shutdown', ok: !draining, detail: draining ? 'draining' : undefined }),
      // through an SSH tunnel: its state (open, or reconnecting and why)
      ...(tunnel ? [() => tunnel.check()] : []),
    ],
  });
  // Idempotency keys live 24 hours and login tokens a day past their end; both are swept hourly
  // (any instance may do it).
  const sweep = setInterval(
    () => {
      purgeExpiredKeys(db.prisma).catch((err: unknown) =>
        logger.warn('could not purge expired idempotency keys', { error: (err as Error).message }),
      );
      purgeLoginTokens(db.prisma).catch((err: unknown) =>
        logger.warn('could not purge expired login tokens', { error: (err as Error).message }),
      );
    },
    60 * 60 * 1000,
  ).unref();
  const stopContentSweep = startContentSweep({ prisma: db.prisma, store }, config.content.sweepIntervalMs);
  // Runs whose worker stopped reporting go back to the queue (any instance may do it).
  const stopLeaseSweep = startLeaseSweep(db.prisma, new RunQueue(db.schema, config.runs), config.runs.sweepIntervalMs);
  const server: Server = app.listen(config.http.port, config.http.host);
  // Node cuts every request after 5 minutes by default, which would end large uploads; a stalled
  // upload is ended by CONTENT_IDLE_TIMEOUT instead, and headersTimeout still bounds slow headers.
  server.requestTimeout = 0;
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  logger.info(`backendapi listening on http://${config.http.host}:${port} (${target.kind} database, ready in ${Date.now() - started} ms)`);

  const shutdown = async (signal: string): Promise<void> => {
    if (draining) return;
    draining = true;
    clearInterval(sweep);
    stopContentSweep();
    stopLeaseSweep();
    // Long-polling claims answer 204 now rather than hold the drain.
    runWakeups?.wakeups.close();
    const signalledAt = Date.now();
    logger.info(`${signal}: draining (grace ${config.http.shutdownGraceMs} ms)`);
    let forced = false;
    const timer = setTimeout(() => {
      forced = true;
      logger.warn('grace period over: closing the connections still open');
      server.closeAllConnections();
    }, config.http.shutdownGraceMs);
    const closed = once(server, 'close');
    server.close();
    server.closeIdleConnections();
    await closed;
    clearTimeout(timer);
    // Handlers of requests whose clients went away may still be in a transaction: the pool
    // waits for them, but never beyond the grace period.
    const left = Math.max(config.http.shutdownGraceMs - (Date.now() - signalledAt), 1_000);
    await tokens?.close();
    await runWakeups?.close();
    const released = await Promise.race([
      db.close().then(() => true),
      new Promise<false>((resolve) => setTimeout(resolve, left, false).unref()),
    ]);
    if (!released) logger.warn('grace period over: database connections still busy, exiting anyway');
    await target.release();
    await stopTracing().catch((err: unknown) => logger.warn('could not export the last spans', { error: (err as Error).message }));
    logger.info('stopped');
    process.exit(forced || !released ? 1 : 0);
  };
  // `on`, not `once`: a terminal's Ctrl-C reaches the whole process group and tsx relays it
  // again, so a second signal must not kill the process mid-drain.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

const config = processConfig();
// Before main() opens the database and Prisma compiles its WebAssembly engine.
const v8Flags = applyV8Settings(config.runtime);
if (v8Flags.length) logger.info(`V8 memory settings: ${v8Flags.join(' ')} (HEAP_GROWTH_PERCENT, WASM_OPTIMIZE)`);
main(config).catch((err: unknown) => {
  const explained = explainDatabaseError(err, config) ?? err;
  logger.error(`start-up failed: ${explained instanceof Error ? explained.message : String(explained)}`);
  process.exit(1);
});
