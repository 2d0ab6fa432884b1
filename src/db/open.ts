/**
 * The configured database, opened the one way the server and every script do: its target
 * (DATABASE_URL, through the SSH tunnel when configured, or the embedded server), then a handle
 * on it: the application's (Prisma + pool, sized to what the target can serve) or one plain
 * connection. Whatever is opened is closed again, the target last.
 */
import pg from 'pg';
import type { Config } from '../core/config';
import { connectDatabase, type Database } from './connection';
import { probeDatabase } from './connection-error';
import { parsePgUrl } from './pg-url';
import { openDatabaseTarget, poolSizeFor, type DatabaseTarget } from './target';

export interface HandleOptions {
  /** The most connections to open (default DATABASE_POOL_SIZE); the target may allow fewer. */
  poolSize?: number;
  /** Name reported to PostgreSQL (pg_stat_activity.application_name). */
  applicationName?: string;
  /** Time every statement for the metrics. */
  timeQueries?: boolean;
}

/** The application's handle on an opened target. */
export function connectTarget(config: Readonly<Config>, target: DatabaseTarget, options: HandleOptions = {}): Database {
  return connectDatabase({
    ...config.database,
    url: target.url,
    poolSize: poolSizeFor(target, options.poolSize ?? config.database.poolSize),
    ...(options.applicationName === undefined ? {} : { applicationName: options.applicationName }),
    ...(options.timeQueries === undefined ? {} : { timeQueries: options.timeQueries }),
  });
}

export interface TargetOptions {
  /**
   * Connect once before `work` (for work that hands the URL to the Prisma CLI, which would only
   * say it cannot reach host:port): a failure is then explained as the app explains it.
   */
  probe?: boolean;
}

/** Opens the configured database's target, runs `work`, releases the target (tunnel, embedded server). */
export async function withTarget<T>(
  config: Readonly<Config>,
  work: (target: DatabaseTarget) => Promise<T>,
  options: TargetOptions = {},
): Promise<T> {
  const target = await openDatabaseTarget(config);
  try {
    if (options.probe) await probeDatabase(target.url);
    return await work(target);
  } finally {
    await target.release();
  }
}

/** Opens the configured database with the application's handle, runs `work`, closes both. */
export function withDatabase<T>(
  config: Readonly<Config>,
  options: HandleOptions,
  work: (db: Database, target: DatabaseTarget) => Promise<T>,
): Promise<T> {
  return withTarget(config, async (target) => {
    const db = connectTarget(config, target, options);
    try {
      return await work(db, target);
    } finally {
      await db.close();
    }
  });
}

export interface ClientOptions {
  connectTimeoutMs?: number;
  applicationName?: string;
  /** None by default (a migration or a bulk load may take long). */
  statementTimeoutMs?: number;
}

/**
 * One plain connection to `url`, for `work` that needs a session of its own and no statement
 * timeout (migration history, rollbacks in one transaction, schema maintenance); ended after.
 */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>, options: ClientOptions = {}): Promise<T> {
  const client = new pg.Client({
    ...parsePgUrl(url).config,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    ...(options.applicationName === undefined ? {} : { application_name: options.applicationName }),
    ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs }),
  });
  client.on('error', () => undefined); // a lost connection fails the pending query instead
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
