/**
 * The driver adapter the Prisma CLI (migrate, db pull) uses, from prisma.config.ts.
 * It is @prisma/adapter-pg with two upstream problems worked around; the application's own
 * client (src/db/connection.ts) needs neither.
 *
 * 1. prisma/prisma#27403 (open): the WASM schema engine reads catalog columns of the types
 *    `"char"` (oid 18) and `name` (oid 19), which the adapter cannot map, and every migrate
 *    command fails with "Column type 'name' could not be deserialized". Both are text on the
 *    wire, so a `pg` client that reports them as `text` (oid 25) fixes it.
 *    https://github.com/prisma/prisma/issues/27403
 *    PostgreSQL 18 (PGlite) also returns NOT NULL constraints where the engine expects only
 *    check and exclusion constraints, which makes it panic: those rows are dropped.
 * 2. The adapter's shadow database (used by `migrate dev`) is dropped while its own pool is
 *    still connected, so `migrate dev` fails with "database … is being accessed by other
 *    users". Here the pool is closed first, then the database is dropped. On the embedded
 *    server, which serves a single database, the shadow is an in-memory PGlite of its own.
 * 3. The adapter runs a migration script statement by statement, split at every `;`, which cuts
 *    function bodies, strings and comments apart. Every adapter made here (the database and
 *    both kinds of shadow database) splits with src/db/sql-script.ts instead.
 */
import { randomUUID } from 'node:crypto';
import pg, { type ClientConfig, type PoolConfig } from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
// Prisma 6.19's adapter, for Prisma 6.19's CLI (npm aliases: the application uses 7.10's).
import { PrismaPg } from 'prisma6-adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from 'prisma6-driver-adapter-utils';
import { parsePgUrl, quoteIdent } from './pg-url';
import { splitSqlScript } from './sql-script';

const CHAR_OID = 18;
const NAME_OID = 19;
const TEXT_OID = 25;

interface ResultLike {
  fields?: Array<{ name: string; dataTypeID: number }>;
  rows?: unknown[];
  rowCount?: number | null;
}

/** Rewrites a pg result in place so that the schema engine can read it. */
export function makeCatalogResultReadable<T>(result: T): T {
  const results = Array.isArray(result) ? result : [result];
  for (const r of results as Array<ResultLike | null | undefined>) {
    if (!r?.fields) continue;
    const typeColumn = r.fields.findIndex((f) => f.name === 'constraint_type' && f.dataTypeID === CHAR_OID);
    if (typeColumn >= 0 && r.rows) {
      // PostgreSQL 18 (and so PGlite) also lists NOT NULL constraints (contype 'n') in
      // pg_constraint; the schema engine's describer does not know them and panics
      // ("RuntimeError: unreachable"). Nullability is read from pg_attribute anyway.
      r.rows = r.rows.filter((row) => {
        const value = Array.isArray(row) ? row[typeColumn] : (row as Record<string, unknown>)['constraint_type'];
        return value !== 'n';
      });
      r.rowCount = r.rows.length;
    }
    for (const field of r.fields) {
      if (field.dataTypeID === CHAR_OID || field.dataTypeID === NAME_OID) field.dataTypeID = TEXT_OID;
    }
  }
  return result;
}

type AnyFn = (...args: unknown[]) => unknown;

/** A pg.Client whose query results report `"char"` and `name` columns as `text`. */
export class CatalogSafeClient extends pg.Client {
  override query(...args: unknown[]): never {
    const run = super.query as unknown as AnyFn;
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      // callback style, as pg.Pool#query calls it
      args[args.length - 1] = (err: unknown, res: unknown) =>
        (last as AnyFn)(err, res === undefined ? res : makeCatalogResultReadable(res));
      return run.apply(this, args) as never;
    }
    const pending = run.apply(this, args);
    if (pending instanceof Promise) return pending.then(makeCatalogResultReadable) as never;
    return pending as never;
  }
}

/** Runs scripts one whole statement at a time (see 3. above), each as the adapter runs SQL. */
export function splittingScripts(adapter: SqlDriverAdapter): SqlDriverAdapter {
  adapter.executeScript = async (script) => {
    // No parameters: pg sends each over the simple query protocol, as the adapter's own split did.
    for (const sql of splitSqlScript(script)) await adapter.executeRaw({ sql, args: [], argTypes: [] });
  };
  return adapter;
}

export function createCliAdapter(url: string): SqlMigrationAwareDriverAdapterFactory {
  const { config, schema } = parsePgUrl(url);
  // Short idle timeout: the CLI leaves pools open, and idle clients would keep it alive.
  const base = { ...config, Client: CatalogSafeClient, idleTimeoutMillis: 500 };
  const main = new PrismaPg(base, { schema });
  return {
    provider: main.provider,
    adapterName: main.adapterName,
    connect: async () => splittingScripts(await main.connect()),
    async connectToShadowDb(): Promise<SqlDriverAdapter> {
      return splittingScripts(await ((await isPglite(config)) ? pgliteShadow(base) : databaseShadow(config, base, schema)));
    },
  };
}

async function withClient<T>(config: ClientConfig, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function isPglite(config: ClientConfig): Promise<boolean> {
  const { rows } = await withClient(config, (c) => c.query<{ version: string }>('SELECT version() AS version'));
  return rows[0]?.version.includes('PGlite') ?? false;
}

/** On a PostgreSQL server: a fresh database (with the same schema), dropped after its pool is closed. */
async function databaseShadow(config: ClientConfig, base: PoolConfig, schema: string): Promise<SqlDriverAdapter> {
  const database = `prisma_migrate_shadow_db_${randomUUID()}`;
  await withClient(config, (c) => c.query(`CREATE DATABASE ${quoteIdent(database)}`));
  // Same schema name as the main database, or every model would count as drift.
  await withClient({ ...config, database }, (c) => c.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`));
  const adapter = await new PrismaPg({ ...base, database }, { schema }).connect();
  const dispose = adapter.dispose.bind(adapter);
  adapter.dispose = async () => {
    await dispose();
    await withClient(config, (c) => c.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)}`));
  };
  return adapter;
}

/**
 * On the embedded server: PGlite serves one database whatever name a client asks for,
 * so the shadow database is a second, in-memory PGlite instance of its own.
 */
async function pgliteShadow(base: PoolConfig): Promise<SqlDriverAdapter> {
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  const adapter = await new PrismaPg({ ...base, host: '127.0.0.1', port, database: 'postgres' }).connect();
  const dispose = adapter.dispose.bind(adapter);
  adapter.dispose = async () => {
    await dispose();
    await server.stop();
    await db.close();
  };
  return adapter;
}
