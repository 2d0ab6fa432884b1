import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ensureEmbeddedServer, stopEmbeddedServer } from '../../src/db/embedded';
import { listMigrations } from '../../src/db/migrations';
import { parsePgUrl, withSchema } from '../../src/db/pg-url';
import { freePort, ROOT } from '../support/process';

/**
 * npm run migrate / migrate:clear / migrate:reset, run as real child processes (stdin is not
 * a terminal) against scratch schemas and databases: never the workers' own schemas.
 */
interface Result {
  code: number | null;
  output: string;
}

function runScript(script: string, args: string[], env: Record<string, string>): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), path.join('scripts', script), ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function sql<T extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client(parsePgUrl(url).config);
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

const tables = async (url: string, schema: string): Promise<string[]> =>
  (await sql<{ t: string }>(url, `SELECT tablename AS t FROM pg_tables WHERE schemaname = '${schema}' ORDER BY 1`)).map((r) => r.t);

const appliedMigrations = async (url: string, schema: string): Promise<string[]> =>
  (
    await sql<{ m: string }>(
      url,
      `SELECT migration_name AS m FROM "${schema}"._prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY 1`,
    )
  ).map((r) => r.m);

const UNREACHABLE = 'postgresql://postgres@127.0.0.1:9/nowhere';

describe('migration scripts, on any database', () => {
  it('when the database is unreachable, then clear and reset exit non-zero and say why', async () => {
    for (const script of ['migrate-clear.ts', 'migrate-reset.ts', 'migrate.ts']) {
      const result = await runScript(
        script,
        ['--yes'].filter(() => script !== 'migrate.ts'),
        { DATABASE_URL: UNREACHABLE },
      );
      expect({ script, code: result.code }).toEqual({ script, code: 1 });
      expect(result.output).toMatch(/ECONNREFUSED|connect/i);
    }
  }, 60_000);

  it('when NODE_ENV=production and no --force, then reset refuses before touching any database', async () => {
    const result = await runScript('migrate-reset.ts', ['--yes'], { NODE_ENV: 'production', DATABASE_URL: UNREACHABLE });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/refusing to reset the database when NODE_ENV=production; pass --force/);
    expect(result.output).not.toMatch(/ECONNREFUSED/); // it did not even connect
  });
});

// A real PostgreSQL server (TEST_DATABASE_URL, as in CI): scratch schemas in the test database and
// scratch databases of their own. Without it the suite runs on the embedded server below only.
const describeExternal = process.env.TEST_DATABASE_URL ? describe : describe.skip;

describeExternal('migration scripts on an external PostgreSQL', () => {
  // describe.skip still runs this body (to collect the tests): a placeholder keeps it from throwing.
  const base = process.env.TEST_DATABASE_URL ?? 'postgresql://unused@127.0.0.1/unused';
  const suffix = `${process.pid}`;
  const configured = `mscripts_cfg_${suffix}`;
  const other = `mscripts_other_${suffix}`;
  const url = withSchema(base, configured);
  const scratchDb = `mscripts_reset_${suffix}`;
  const scratchUrl = (() => {
    const u = new URL(base);
    u.pathname = `/${scratchDb}`;
    return u.toString();
  })();

  beforeAll(async () => {
    await sql(base, `DROP SCHEMA IF EXISTS ${configured} CASCADE; DROP SCHEMA IF EXISTS ${other} CASCADE`);
    await sql(base, `CREATE SCHEMA ${other}; CREATE TABLE ${other}.keep (note text); INSERT INTO ${other}.keep VALUES ('still here')`);
    await sql(base, `CREATE SCHEMA ${configured}; CREATE TABLE ${configured}.stray (x int); INSERT INTO ${configured}.stray VALUES (1)`);
  });
  afterAll(async () => {
    await sql(base, `DROP SCHEMA IF EXISTS ${configured} CASCADE; DROP SCHEMA IF EXISTS ${other} CASCADE`);
    await sql(base, `DROP DATABASE IF EXISTS ${scratchDb}`);
  });

  it('when there is no terminal and no --yes, then clear refuses, exits non-zero and leaves the schema alone', async () => {
    const result = await runScript('migrate-clear.ts', [], { DATABASE_URL: url });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/refusing: stdin is not a terminal.*--yes/);
    expect(await tables(base, configured)).toEqual(['stray']);
  });

  it('when clear runs with --yes, then only the configured schema is rebuilt and migrated; other schemas keep their data', async () => {
    await sql(base, `COMMENT ON SCHEMA ${configured} IS 'scratch'`);
    const result = await runScript('migrate-clear.ts', ['--yes'], { DATABASE_URL: url });
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/dropping and recreating schema/);
    expect(result.output).toMatch(/applying all migrations/);
    expect(await appliedMigrations(base, configured)).toEqual(listMigrations());
    expect(await tables(base, configured)).not.toContain('stray');
    expect(await tables(base, configured)).toContain('User');
    expect(await sql(base, `SELECT count(*)::int AS n FROM ${configured}."User"`)).toEqual([{ n: 0 }]);
    expect(await sql(base, `SELECT note FROM ${other}.keep`)).toEqual([{ note: 'still here' }]);
    expect(await sql(base, `SELECT obj_description('${configured}'::regnamespace, 'pg_namespace') AS c`)).toEqual([{ c: 'scratch' }]);
  }, 60_000);

  it('when a migration fails, then migrate exits non-zero naming the migration and the database message', async () => {
    const failing = `mscripts_fail_${suffix}`;
    // A type the first migration creates already exists (the schema still counts as empty).
    await sql(base, `DROP SCHEMA IF EXISTS ${failing} CASCADE; CREATE SCHEMA ${failing}; CREATE DOMAIN ${failing}."Modality" AS text`);
    try {
      const result = await runScript('migrate.ts', [], { DATABASE_URL: withSchema(base, failing) });
      expect(result.code).toBe(1);
      expect(result.output).toContain(`migration ${listMigrations()[0]} failed: ERROR: type "Modality" already exists`);
    } finally {
      await sql(base, `DROP SCHEMA IF EXISTS ${failing} CASCADE`);
    }
  }, 60_000);

  it('when reset runs with --yes, then every schema of the database is dropped, migrations reapplied and the seed run', async () => {
    await sql(base, `DROP DATABASE IF EXISTS ${scratchDb}`);
    await sql(base, `CREATE DATABASE ${scratchDb}`);
    await sql(scratchUrl, `CREATE SCHEMA extra; CREATE TABLE extra.t (x int); CREATE TABLE public.old (x int)`);

    const refused = await runScript('migrate-reset.ts', [], { DATABASE_URL: scratchUrl });
    expect(refused.code).toBe(1);
    expect(await tables(scratchUrl, 'extra')).toEqual(['t']);

    const result = await runScript('migrate-reset.ts', ['--yes'], { DATABASE_URL: scratchUrl });
    expect(result.code).toBe(0);
    expect(result.output).toMatch(/dropping schema\(s\): extra, public/);
    expect(result.output).toMatch(/seeding the demo data/);
    const schemas = await sql<{ n: string }>(
      scratchUrl,
      `SELECT nspname AS n FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'`,
    );
    expect(schemas.map((s) => s.n)).toEqual(['public']);
    expect(await tables(scratchUrl, 'public')).not.toContain('old');
    expect(await appliedMigrations(scratchUrl, 'public')).toEqual(listMigrations());
    expect(await sql(scratchUrl, `SELECT count(*)::int AS n FROM "User"`)).toEqual([{ n: 3 }]);
  }, 60_000);
});

describe('migration scripts on the embedded database', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'backendapi-mscripts-'));
  let env: Record<string, string>;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    const handle = await ensureEmbeddedServer({ dir, port });
    url = handle.url;
    env = { DATABASE_URL: '', EMBEDDED_DB_DIR: dir, EMBEDDED_DB_PORT: String(port) };
    await sql(url, `CREATE SCHEMA keep; CREATE TABLE keep.t (note text); INSERT INTO keep.t VALUES ('still here')`);
    await sql(url, `CREATE TABLE public.stray (x int)`);
  }, 120_000);
  afterAll(async () => {
    await stopEmbeddedServer(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('when clear runs, then public is rebuilt and migrated and the other schema keeps its data', async () => {
    const result = await runScript('migrate-clear.ts', ['--yes'], env);
    expect(result.output).toMatch(/using running embedded PostgreSQL/);
    expect(result.code).toBe(0);
    expect(await appliedMigrations(url, 'public')).toEqual(listMigrations());
    expect(await tables(url, 'public')).not.toContain('stray');
    expect(await sql(url, `SELECT note FROM keep.t`)).toEqual([{ note: 'still here' }]);
  }, 90_000);

  it('when reset runs, then the other schema is gone, migrations are reapplied and the seed run', async () => {
    const result = await runScript('migrate-reset.ts', ['--yes'], env);
    expect(result.code).toBe(0);
    expect(await tables(url, 'keep')).toEqual([]);
    expect(await appliedMigrations(url, 'public')).toEqual(listMigrations());
    expect(await sql(url, `SELECT count(*)::int AS n FROM "User"`)).toEqual([{ n: 3 }]);
  }, 90_000);
});
