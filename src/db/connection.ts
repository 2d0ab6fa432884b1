/**
 * The application's database handle: one pg.Pool we own (timeouts, error events) and the
 * Prisma Client on top of it through @prisma/adapter-pg.
 */
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../generated/prisma/client';
import { logger } from '../core/logging';
import { parsePgUrl, quoteIdent, redactUrl } from './pg-url';

export interface DatabaseOptions {
  url: string;
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  /** Name reported to PostgreSQL (pg_stat_activity.application_name). */
  applicationName?: string;
}

export interface Database {
  prisma: PrismaClient;
  pool: pg.Pool;
  /** The PostgreSQL schema the models live in, quoted, for the few raw queries. */
  schema: string;
  url: string;
  close(): Promise<void>;
}

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
  });
  // An idle client losing its connection (database restart, network) must not crash the process.
  pool.on('error', (err) => logger.warn('database connection lost', { error: err.message }));
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { schema }) });
  let closed = false;
  return {
    prisma,
    pool,
    schema: quoteIdent(schema),
    url: redactUrl(options.url),
    async close() {
      if (closed) return;
      closed = true;
      await prisma.$disconnect();
      await pool.end();
    },
  };
}
