/**
 * Rollback, clear and adopt on the embedded database (PGlite behind pglite-socket, started here
 * with a data directory and port of its own): the scripts as child processes, as an operator
 * would run them with no DATABASE_URL. The shadow databases Prisma needs are in-memory PGlite
 * instances there (src/db/prisma-cli-adapter.ts).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureEmbeddedServer, stopEmbeddedServer } from '../../src/db/embedded';
import { driftScript } from '../../src/db/migrate/schema-diff';
import { listMigrations, MIGRATIONS_DIR } from '../../src/db/migrations';
import { appliedMigrations, runScript, schemaSnapshot, scratchPrisma, sql, tables } from '../support/migrate-cli';
import { freePort } from '../support/process';
import { fillSeedStyle, SEED_STYLE_SQL } from '../support/seed-style';

const all = listMigrations();

describe('migration scripts on the embedded database: rollback, clear, adopt', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'backendapi-membedded-'));
  let env: Record<string, string>;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = (await ensureEmbeddedServer({ dir, port })).url;
    env = { DATABASE_URL: '', EMBEDDED_DB_DIR: dir, EMBEDDED_DB_PORT: String(port) };
  }, 120_000);
  afterAll(async () => {
    await stopEmbeddedServer(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('when every migration is rolled back with rows in the tables and applied again, then the schema is as before', async () => {
    expect((await runScript('migrate.ts', [], env)).code).toBe(0);
    const before = await schemaSnapshot(url, 'public');
    await sql(url, `INSERT INTO "User" (id, email, name, "updatedAt") VALUES (gen_random_uuid(), 'a@example.com', 'A', now())`);

    const result = await runScript('migrate-rollback.ts', ['--steps', String(all.length), '--yes'], env);
    expect(result.output).toMatch(/using running embedded PostgreSQL/);
    expect(result.output).toMatch(/drops data: table "User" holds 1 row\(s\)/);
    expect(result.code).toBe(0);
    expect(await tables(url, 'public')).toEqual(['_prisma_migrations']);
    expect(await appliedMigrations(url, 'public')).toEqual([]);

    expect((await runScript('migrate.ts', [], env)).code).toBe(0);
    expect(await appliedMigrations(url, 'public')).toEqual(all);
    expect(await schemaSnapshot(url, 'public')).toEqual(before);
    expect(await driftScript(url, MIGRATIONS_DIR, all)).toBe('');
  }, 300_000);

  it('when the history is lost, then clear rebuilds it and keeps the rows', async () => {
    await sql(url, `INSERT INTO "User" (id, email, name, "updatedAt") VALUES (gen_random_uuid(), 'kept@example.com', 'K', now())`);
    await sql(url, `DELETE FROM "_prisma_migrations"`);
    const result = await runScript('migrate-clear.ts', ['--yes'], env);
    expect(result.code).toBe(0);
    expect(result.output).toContain(`${all.length} recorded as applied, 0 applied`);
    expect(await appliedMigrations(url, 'public')).toEqual(all);
    expect(await sql(url, `SELECT email FROM "User"`)).toEqual([{ email: 'kept@example.com' }]);
  }, 300_000);

  it('when a seed-style database is adopted, then its schema and baseline are written and nothing drifts', async () => {
    await sql(url, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`);
    await sql(url, SEED_STYLE_SQL);
    await fillSeedStyle(url);
    const copy = scratchPrisma('adopt-embedded', 0);
    try {
      const result = await runScript('db-adopt.ts', ['--schema', copy.schemaFile, '--yes'], env);
      expect(result.code).toBe(0);
      expect(readFileSync(copy.schemaFile, 'utf8')).toMatch(/^\s+recordedAt\s+DateTime\?\s+@map\("recorded_at"\) @db\.Timestamptz\(3\)$/m);
      expect(await appliedMigrations(url, 'public')).toEqual(listMigrations(copy.migrationsDir));
      const status = await runScript('migrate-status.ts', ['--schema', copy.schemaFile], env);
      expect(status.output).toContain('drift: none');
      expect(status.code).toBe(0);
      expect(await sql(url, `SELECT count(*)::int AS n FROM recordings`)).toEqual([{ n: 3 }]);
    } finally {
      copy.remove();
    }
  }, 300_000);
});
