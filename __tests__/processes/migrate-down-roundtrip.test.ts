/**
 * Every migration's down.sql undoes it: on a database that holds rows, the migrations are applied
 * one by one (a catalog snapshot after each), then rolled back one by one with
 * `npm run migrate:rollback` down to nothing — after each step the schema must equal the snapshot
 * taken when that migration had not yet been applied, and `prisma migrate diff` against the
 * migrations before it must be empty — then applied again with `npm run migrate`, ending exactly
 * where it started. Generic over whatever migrations prisma/migrations holds; a migration
 * without down.sql fails it. On the embedded server: __tests__/migrate-embedded.test.ts.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { seedDemoData } from '../../prisma/seed';
import { connectDatabase } from '../../src/db/connection';
import { driftScript } from '../../src/db/migrate/schema-diff';
import { listMigrations, MIGRATIONS_DIR } from '../../src/db/migrations';
import { withSchema } from '../../src/db/pg-url';
import { appliedMigrations, runScript, schemaSnapshot, scratchPrisma, sql } from '../support/migrate-cli';

const describeExternal = process.env.TEST_DATABASE_URL ? describe : describe.skip;
const all = listMigrations();

it('every migration in prisma/migrations has a down.sql', () => {
  expect(all.filter((name) => !existsSync(path.join(MIGRATIONS_DIR, name, 'down.sql')))).toEqual([]);
});

describeExternal('down migrations, round trip on PostgreSQL', () => {
  const base = process.env.TEST_DATABASE_URL ?? 'postgresql://unused@127.0.0.1/unused';
  const schema = `mroundtrip_${process.pid}`;
  const url = withSchema(base, schema);
  const env = { DATABASE_URL: url };

  beforeAll(async () => {
    await sql(base, `DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  });
  afterAll(async () => {
    await sql(base, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it('when every migration is applied, rolled back one by one with rows in the tables and applied again, then each step restores the schema before it', async () => {
    const snapshots = [await schemaSnapshot(base, schema)];
    for (let k = 1; k <= all.length; k++) {
      // Apply exactly the first k migrations: a copy of prisma/ holding only those.
      const prefix = scratchPrisma('roundtrip', k);
      try {
        const applied = await runScript('migrate.ts', ['--schema', prefix.schemaFile], env);
        expect({ k, code: applied.code, output: applied.output }).toEqual({ k, code: 0, output: expect.any(String) });
      } finally {
        prefix.remove();
      }
      snapshots.push(await schemaSnapshot(base, schema));
    }
    expect(await appliedMigrations(base, schema)).toEqual(all);

    const db = connectDatabase({ url, poolSize: 2, connectTimeoutMs: 10_000, statementTimeoutMs: 60_000 });
    try {
      expect(await seedDemoData(db.prisma)).toBe(true);
    } finally {
      await db.close();
    }
    expect(await sql(base, `SELECT count(*)::int AS n FROM ${schema}."User"`)).toEqual([{ n: 3 }]);

    for (let k = all.length; k >= 1; k--) {
      const result = await runScript('migrate-rollback.ts', ['--steps', '1', '--yes'], env);
      expect({ k, code: result.code }).toEqual({ k, code: 0 });
      expect(result.output).toContain(`rolling back ${all[k - 1]}`);
      // The first migration's down.sql drops the tables the seed filled: it says so before it runs.
      if (k === 1) expect(result.output).toMatch(/drops data: table "User" holds 3 row\(s\)/);
      expect(await appliedMigrations(base, schema)).toEqual(all.slice(0, k - 1));
      expect({ k, schema: await schemaSnapshot(base, schema) }).toEqual({ k, schema: snapshots[k - 1] });
      expect({ k, drift: await driftScript(url, MIGRATIONS_DIR, all.slice(0, k - 1)) }).toEqual({ k, drift: '' });
    }
    const dropped = await runScript('migrate-rollback.ts', ['--yes'], env);
    expect(dropped.code).toBe(1);
    expect(dropped.output).toMatch(/--steps 1: only 0 migration\(s\) are applied/);

    const again = await runScript('migrate.ts', [], env);
    expect(again.code).toBe(0);
    expect(again.output).toContain(`applied ${all.length} migration(s)`);
    expect(await appliedMigrations(base, schema)).toEqual(all);
    expect(await schemaSnapshot(base, schema)).toEqual(snapshots[all.length]);
    expect(await driftScript(url, MIGRATIONS_DIR, all)).toBe('');
  }, 300_000);
});
