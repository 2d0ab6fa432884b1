/**
 * The application's database handle: one pg.Pool we own (timeouts, error events) and the
 * Prisma Client on top of it through @prisma/adapter-pg.
 */
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaClient } from '../generated/prisma/client';
import { logger } from '../core/logging';
import { parsePgUrl, quoteIdent, redactUrl } from './pg-url';
import { TimedClient } from '../telemetry/db-metrics';
import { ConnectErrorClient } from './connect-errors';
import { watchingWrites, WriteWatch } from './write-watch';

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** Name reported to PostgreSQL (pg_stat_activity.application_name). */
  applicationName?: string;
  /** Time every statement for the metrics (backendapi_db_query_duration_seconds). */
  timeQueries?: boolean;
}

export interface Database {
  prisma: PrismaClient;
  pool: pg.Pool;
  /** The PostgreSQL schema the models live in, quoted, for the few raw queries. */
  schema: string;
  url: string;
  /** The tables each committed Prisma write changed (src/db/write-watch.ts). */
  writes: WriteWatch;
  close(): Promise<void>;
}

type PgClientHolder = { client?: { release(err?: Error | boolean): void } };

/**
 * When the connection died mid-transaction (database restart, terminated backend), COMMIT or
 * ROLLBACK fails. Prisma 6.19 then never gave the pg client back (the pool leaked one connection
 * per broken transaction); 7.10 gives it back without the error, leaving pg to judge the
 * connection by its state. Here a failed COMMIT/ROLLBACK releases the client as broken, so pg
 * discards it in every case, and later commit()/rollback() calls do nothing.
 */
export function releasingBrokenTransactions(factory: PrismaPg): SqlDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    async connect(): Promise<SqlDriverAdapter> {
      const adapter = await factory.connect();
      const startTransaction = adapter.startTransaction.bind(adapter);
      adapter.startTransaction = async (isolationLevel) => {
        const tx = await startTransaction(isolationLevel);
        let released = false;
        const executeRaw = tx.executeRaw.bind(tx);
        tx.executeRaw = async (query) => {
          try {
            return await executeRaw(query);
          } catch (err) {
            if (!released && /^(COMMIT|ROLLBACK)\b/i.test(query.sql.trim())) {
              released = true;
              (tx as unknown as PgClientHolder).client?.release(err instanceof Error ? err : true);
            }
            throw err;
          }
        };
        const commit = tx.commit.bind(tx);
        const rollback = tx.rollback.bind(tx);
        tx.commit = async () => (released ? undefined : commit());
        tx.rollback = async () => (released ? undefined : rollback());
        return tx;
      };
      return adapter;
    },
  };
}

const { builtins } = pg.types;
const parseTimestamptz = pg.types.getTypeParser(builtins.TIMESTAMPTZ, 'text');
/** `2026-01-02 03:04:05.678+00`: a timestamptz as a session in UTC writes it (at most milliseconds, as Prisma's columns keep). */
const UTC_MS = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,3})?\+00$/;
/** The common form through the engine's own ISO parser (about half the time of pg's, on every timestamp of every row read); others through pg's. */
const timestamptz = (text: string): Date =>
  UTC_MS.test(text) ? new Date(`${text.slice(0, 10)}T${text.slice(11, -3)}Z`) : (parseTimestamptz(text) as Date);
/**
 * Type parsers of the pool's own queries (Prisma's adapter brings its own): `timestamp` columns
 * (Prisma's DateTime without @db.Timestamptz) hold UTC, as Prisma writes them, so they are read
 * as UTC — pg's default reads them in the process's time zone.
 */
const POOL_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (format === 'binary') return pg.types.getTypeParser(oid, format);
    if (oid === builtins.TIMESTAMPTZ) return timestamptz;
    if (oid === builtins.TIMESTAMP)
      return (text: string) => timestamptz(text.endsWith(' BC') ? `${text.slice(0, -3)}+00 BC` : `${text}+00`);
    return pg.types.getTypeParser(oid, format);
  }) as typeof pg.types.getTypeParser,
};

export function connectDatabase(options: DatabaseOptions): Database {
  const { config, schema } = parsePgUrl(options.url);
  const pool = new pg.Pool({
    ...config,
    max: options.poolSize,
    connectionTimeoutMillis: options.connectTimeoutMs,
    // Sent as a start-up parameter, so it holds for every statement of every connection.
    statement_timeout: options.statementTimeoutMs,
    idleTimeoutMillis: 30_000,
    application_name: options.applicationName ?? 'backendapi',
    keepAlive: true,
    types: POOL_TYPES,
    // A refused connection reads as an outage (503), not as an error of the query that waited for it;
    // with metrics on, the same client also times every query.
    Client: options.timeQueries ? TimedClient : ConnectErrorClient,
  });
  // An idle client losing its connection (database restart, network) must not crash the process.
  pool.on('error', (err) => logger.warn('database connection lost', { error: err.message }));
  const writes = new WriteWatch();
  const prisma = new PrismaClient({ adapter: watchingWrites(releasingBrokenTransactions(new PrismaPg(pool, { schema })), writes) });
  let closed = false;
  return {
    prisma,
    pool,
    schema: quoteIdent(schema),
    url: redactUrl(options.url),
    writes,
    async close() {
      if (closed) return;
      closed = true;
      // The pool first: it refuses new connections at once but waits for the clients still
      // checked out, so a transaction in flight (say, of a request whose client went away)
      // commits or rolls back on its own. Disconnecting Prisma first abandons such transactions
      // mid-way: their connections stay idle in transaction and pool.end() waits forever.
      await pool.end();
      await prisma.$disconnect();
    },
  };
}
