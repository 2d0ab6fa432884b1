import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureEmbeddedServer, stopEmbeddedServer } from '../../src/db/embedded';
import { listMigrations } from '../../src/db/migrations';
import { withSchema } from '../../src/db/pg-url';
import { appliedMigrations, runScript, sql, tables } from '../support/migrate-cli';
import { freePort } from '../support/process';

/**
 * npm run migrate / migrate:clear:destroy-data / migrate:reset, run as real child processes
 * (stdin is not a terminal) against scratch schemas and databases: never the workers' own schemas.
 */
const UNREACHABLE = 'postgresql://postgres@127.0.0.1:9/nowhere';

describe('migration scripts, on any database', () => {
  it('when the database is unreachable, then clear and reset exit non-zero and say why', async () => {
    for (const script of ['migrate-clear-destroy-data.ts', 'migrate-reset.ts', 'migrate.ts']) {
      const result = await runScript(
        script,
        ['--yes'].filter(() => script !== 'migrate.ts'),
        { DATABASE_URL: UNREACHABLE },
      );
      expect({ script, code: result.code }).toEqual({ script, code: 1 });
      expect(result.output).toMatch(/ECONNREFUSED|connect/i);
    }
  }, 60_000);

  it('when NODE_ENV=production and no --force, then reset and clear:destroy-data refuse before touching any database', async () => {
    for (const [script, what] of [
      ['migrate-reset.ts', 'reset the database'],
      ['migrate-clear-destroy-data.ts', 'drop the schema'],
    ]) {
      const result = await runScript(script as string, ['--yes'], { NODE_ENV: 'production', DATABASE_URL: UNREACHABLE });
      expect(result.code).toBe(1);
      expect(result.output).toContain(`refusing to ${what} when NODE_ENV=production; pass --force`);
      expect(result.output).not.toMatch(/ECONNREFUSED/); // it did not even connect
    }
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
    const result = await runScript('migrate-clear-destroy-data.ts', [], { DATABASE_URL: url });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/refusing: stdin is not a terminal.*--yes/);
    expect(await tables(base, configured)).toEqual(['stray']);
  });

  it('when clear runs with --yes, then only the configured schema is rebuilt and migrated; other schemas keep their data', async () => {
    await sql(base, `COMMENT ON SCHEMA ${configured} IS 'scratch'`);
    const result = await runScript('migrate-clear-destroy-data.ts', ['--yes'], { DATABASE_URL: url });
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
    expect(result.output).toMatch(/demo users \(password for all: \S+\):/);
    expect(result.output).toMatch(/admin@example\.com +ADMIN +Authorization: Bearer bk_api_demo_admin_/);
    const schemas = await sql<{ n: string }>(
      scratchUrl,
      `SELECT nspname AS n FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'`,
    );
    expect(schemas.map((s) => s.n)).toEqual(['public']);
    expect(await tables(scratchUrl, 'public')).not.toContain('old');
    expect(await appliedMigrations(scratchUrl, 'public')).toEqual(listMigrations());
    expect(await sql(scratchUrl, `SELECT count(*)::int AS n FROM "User"`)).toEqual([{ n: 3 }]);

    const empty = await runScript('migrate-reset.ts', ['--yes', '--skip-seed'], { DATABASE_URL: scratchUrl });
    expect(empty.code).toBe(0);
    expect(empty.output).toContain('--skip-seed: no demo data seeded');
    expect(empty.output).not.toMatch(/Authorization: Bearer/);
    expect(await appliedMigrations(scratchUrl, 'public')).toEqual(listMigrations());
    expect(await sql(scratchUrl, `SELECT count(*)::int AS n FROM "User"`)).toEqual([{ n: 0 }]);
  }, 120_000);
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
    const result = await runScript('migrate-clear-destroy-data.ts', ['--yes'], env);
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
