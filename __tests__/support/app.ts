/** Builds the real app on this worker's schema of the test database. */
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import { createApp, type AppDeps } from '../../src/app';
import { loadConfig, type Config } from '../../src/core/config';
import { connectDatabase, type Database } from '../../src/db/connection';
import { EMBEDDED_MAX_CONNECTIONS } from '../../src/db/target';
import { startTokenCache, type TokenCacheService } from '../../src/auth/token-invalidation';
import { workerUrl } from './test-database';
import { startRunWakeups, type RunWakeupService } from '../../src/runs/wakeups';

export function testDatabaseUrl(): string {
  const base = process.env.BACKENDAPI_TEST_BASE_URL;
  if (!base) throw new Error('the test database is not set up (global-setup did not run)');
  return workerUrl(base, process.env.BACKENDAPI_TEST_EXTERNAL === '1', Number(process.env.JEST_WORKER_ID ?? '1'));
}

export function testConfig(env: Record<string, string> = {}): Readonly<Config> {
  // On the embedded server one connection per pool, as the app itself uses there (src/db/target.ts).
  const pool = process.env.BACKENDAPI_TEST_EXTERNAL === '1' ? {} : { DATABASE_POOL_SIZE: String(EMBEDDED_MAX_CONNECTIONS) };
  // Recording files go to a directory of this worker's, never to the repository's data/.
  const storage = { STORAGE_DIR: path.join(os.tmpdir(), `backendapi-test-content-${process.pid}`) };
  return loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: testDatabaseUrl(), ...pool, ...storage, ...env });
}

export interface TestApp {
  app: Express;
  db: Database;
  config: Readonly<Config>;
  /** The token cache, as src/main.ts starts it (on a real server; not on the embedded one). */
  tokens?: TokenCacheService;
  /** The LISTEN connection that wakes long-polling run claims, as src/main.ts starts it (real server only). */
  runs?: RunWakeupService;
  close(): Promise<void>;
}

/**
 * `extra.tokenCache: undefined` builds an app without the token cache. `runNotifications` starts
 * the LISTEN connection that wakes long-polling run claims (otherwise they re-poll every second).
 */
export function startTestApp(
  env: Record<string, string> = {},
  extra: Partial<AppDeps> = {},
  options: { runNotifications?: boolean } = {},
): TestApp {
  const config = testConfig(env);
  const url = config.database.url as string;
  const db = connectDatabase({ ...config.database, url });
  const tokens =
    process.env.BACKENDAPI_TEST_EXTERNAL === '1' && !('tokenCache' in extra)
      ? // A generous probe timeout: on a busy machine the cache must not switch off in mid-test.
        startTokenCache({ url, pool: db.pool, writes: db.writes, probeTimeoutMs: 20_000 })
      : undefined;
  const runs =
    options.runNotifications && process.env.BACKENDAPI_TEST_EXTERNAL === '1'
      ? startRunWakeups({ url, pool: db.pool, probeTimeoutMs: 20_000 })
      : undefined;
  const app = createApp({ config, db, tokenCache: tokens?.cache, runWakeups: runs?.wakeups, ...extra });
  return {
    app,
    db,
    config,
    tokens,
    runs,
    close: async () => {
      await tokens?.close();
      await runs?.close();
      await db.close();
    },
  };
}

/** Empties every table of the worker's schema (not the migration history). */
export async function truncateAll(db: Database): Promise<void> {
  const { rows } = await db.pool.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 AND tablename <> '_prisma_migrations'`,
    [db.schema.slice(1, -1)],
  );
  if (rows.length) {
    await db.pool.query(`TRUNCATE ${rows.map((r) => `${db.schema}."${r.name}"`).join(', ')} RESTART IDENTITY CASCADE`);
  }
}
