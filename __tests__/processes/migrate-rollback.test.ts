/**
 * npm run migrate:status and migrate:rollback against a real PostgreSQL, as child processes on
 * scratch schemas of the test database (and copies of prisma/ where a test needs other files).
 */
import { appendFileSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { droppedObjects } from '../../src/db/migrate/data-loss';
import { downFile } from '../../src/db/migrate/history';
import { listMigrations, MIGRATIONS_DIR } from '../../src/db/migrations';
import { withSchema } from '../../src/db/pg-url';
import { appliedMigrations, fillerRows, runScript, scratchPrisma, sql, tables } from '../support/migrate-cli';

const describeExternal = process.env.TEST_DATABASE_URL ? describe : describe.skip;
const all = listMigrations();
const last = all.at(-1) as string;

/** The newest migration whose down.sql drops a table, and that table (quoted as the script has it). */
function newestDroppingTable(): { index: number; name: string; quoted: string; table: string } {
  for (let index = all.length - 1; index > 0; index--) {
    const name = all[index] as string;
    const dropped = droppedObjects(readFileSync(downFile(MIGRATIONS_DIR, name), 'utf8')).find((d) => d.column === undefined);
    if (dropped) return { index, name, quoted: dropped.table, table: dropped.table.replace(/^"|"$/g, '') };
  }
  throw new Error('no migration after the first drops a table in its down.sql');
}

describeExternal('migrate:status and migrate:rollback on PostgreSQL', () => {
  const base = process.env.TEST_DATABASE_URL ?? 'postgresql://unused@127.0.0.1/unused';
  const schema = `mrollback_${process.pid}`;
  const url = withSchema(base, schema);
  const env = { DATABASE_URL: url };

  beforeAll(async () => {
    await sql(base, `DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
    expect((await runScript('migrate.ts', [], env)).code).toBe(0);
  }, 180_000);
  afterAll(async () => {
    await sql(base, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it('when everything is applied and nothing drifted, then status lists the migrations and exits 0', async () => {
    const result = await runScript('migrate-status.ts', [], env);
    expect(result.output).toMatch(new RegExp(`applied +${last}`));
    expect(result.output).toContain(`summary: ${all.length} applied, 0 pending, 0 failed, 0 modified, 0 missing; drift: none`);
    expect(result.code).toBe(0);
  }, 180_000);

  it('when a column was added by hand, then status shows the drift as SQL and exits 2', async () => {
    await sql(url, `ALTER TABLE "User" ADD COLUMN "nickname" text`);
    try {
      const result = await runScript('migrate-status.ts', [], env);
      expect(result.output).toMatch(/drift: the database differs/);
      expect(result.output).toMatch(/ALTER TABLE "User" DROP COLUMN "nickname"/);
      expect(result.output).toMatch(/drift: YES/);
      expect(result.code).toBe(2);
    } finally {
      await sql(url, `ALTER TABLE "User" DROP COLUMN "nickname"`);
    }
  }, 180_000);

  it('when a migration.sql changed after it was applied, then status calls it modified and exits 2', async () => {
    const copy = scratchPrisma('status');
    try {
      appendFileSync(path.join(copy.migrationsDir, last, 'migration.sql'), '\n-- edited afterwards\n');
      const result = await runScript('migrate-status.ts', ['--schema', copy.schemaFile, '--skip-drift'], env);
      expect(result.output).toMatch(new RegExp(`applied +${last} .*MODIFIED since it was applied`));
      expect(result.output).toContain('1 modified');
      expect(result.code).toBe(2);
    } finally {
      copy.remove();
    }
  }, 180_000);

  it('when the down.sql is missing, then rollback refuses and changes nothing', async () => {
    const copy = scratchPrisma('rollback');
    try {
      rmSync(path.join(copy.migrationsDir, last, 'down.sql'));
      const result = await runScript('migrate-rollback.ts', ['--schema', copy.schemaFile, '--yes'], env);
      expect(result.code).toBe(1);
      expect(result.output).toContain(`no down.sql for ${last}: nothing was rolled back`);
      expect(await appliedMigrations(base, schema)).toEqual(all);
    } finally {
      copy.remove();
    }
  }, 180_000);

  it('when a later down.sql statement fails, then the whole rollback is undone (one transaction)', async () => {
    const copy = scratchPrisma('rollback');
    const before = await tables(base, schema);
    try {
      // The newest migration's own statements succeed, then one fails.
      appendFileSync(path.join(copy.migrationsDir, last, 'down.sql'), '\nDROP TABLE "NoSuchTable";\n');
      const result = await runScript('migrate-rollback.ts', ['--schema', copy.schemaFile, '--steps', String(all.length), '--yes'], env);
      expect(result.code).toBe(1);
      expect(result.output).toMatch(new RegExp(`down.sql of ${last} failed, nothing was rolled back: table "NoSuchTable" does not exist`));
      expect(await tables(base, schema)).toEqual(before);
      expect(await appliedMigrations(base, schema)).toEqual(all);
    } finally {
      copy.remove();
    }
  }, 180_000);

  it('when NODE_ENV=production and no --force, then rollback refuses before connecting', async () => {
    const result = await runScript('migrate-rollback.ts', ['--yes'], {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:9/none',
    });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/refusing to roll back migrations when NODE_ENV=production; pass --force/);
    expect(result.output).not.toMatch(/ECONNREFUSED/);
  });

  it('when the down.sql drops a table with rows, then rollback warns, asks, and with --yes undoes it; migrate reapplies it', async () => {
    // Whatever prisma/migrations holds: the newest migration whose down.sql drops a table, and the ones after it.
    const target = newestDroppingTable();
    const to = ['--to', all[target.index - 1] as string];
    await fillerRows(url, schema, target.table, 2);
    const asked = await runScript('migrate-rollback.ts', to, env);
    expect(asked.code).toBe(1);
    expect(asked.output).toContain(`its down.sql drops data: table ${target.quoted} holds 2 row(s)`);
    expect(asked.output).toMatch(/refusing: stdin is not a terminal/);
    expect(await tables(base, schema)).toContain(target.table);

    const done = await runScript('migrate-rollback.ts', [...to, '--yes'], env);
    expect(done.code).toBe(0);
    expect(done.output).toContain(`rolled back ${all.slice(target.index).reverse().join(', ')}`);
    expect(await tables(base, schema)).not.toContain(target.table);
    expect(await appliedMigrations(base, schema)).toEqual(all.slice(0, target.index));

    const status = await runScript('migrate-status.ts', [], env);
    expect(status.output).toMatch(new RegExp(`pending +${target.name}`));
    expect(status.output).toContain('drift: none');
    expect(status.code).toBe(2);

    const again = await runScript('migrate.ts', [], env);
    expect(again.code).toBe(0);
    expect(await appliedMigrations(base, schema)).toEqual(all);
    expect(await tables(base, schema)).toContain(target.table);
  }, 240_000);

  it('when migrate:dev creates a migration, then it writes its down.sql, which rollback runs', async () => {
    const copy = scratchPrisma('dev');
    const devSchema = `${schema}_dev`;
    const devUrl = withSchema(base, devSchema);
    await sql(base, `DROP SCHEMA IF EXISTS ${devSchema} CASCADE; CREATE SCHEMA ${devSchema}`);
    try {
      expect((await runScript('migrate.ts', ['--schema', copy.schemaFile], { DATABASE_URL: devUrl })).code).toBe(0);
      appendFileSync(copy.schemaFile, '\nmodel Device {\n  id     String @id @db.Uuid\n  serial String @unique\n}\n');
      const dev = await runScript('migrate-dev.ts', ['--schema', copy.schemaFile, '--name', 'add_device', '--skip-generate'], {
        DATABASE_URL: devUrl,
      });
      expect(dev.code).toBe(0);
      const created = listMigrations(copy.migrationsDir).filter((m) => !all.includes(m));
      expect(created).toEqual([expect.stringMatching(/^\d{14}_add_device$/)]);
      expect(dev.output).toContain(`wrote ${created[0]}/down.sql`);
      expect(await tables(base, devSchema)).toContain('Device');

      const back = await runScript('migrate-rollback.ts', ['--schema', copy.schemaFile, '--yes'], { DATABASE_URL: devUrl });
      expect(back.code).toBe(0);
      expect(await tables(base, devSchema)).not.toContain('Device');
      expect(await appliedMigrations(base, devSchema)).toEqual(all);
    } finally {
      copy.remove();
      await sql(base, `DROP SCHEMA IF EXISTS ${devSchema} CASCADE`);
    }
  }, 300_000);

  it('when rollback is given bad arguments, then it exits non-zero and says why', async () => {
    for (const [args, message] of [
      [['--steps', '0'], /--steps must be a positive integer/],
      [['--steps', '1', '--to', all[0] as string], /pass --steps or --to, not both/],
      [['--to', 'nope'], /--to nope: not an applied migration/],
    ] as const) {
      const result = await runScript('migrate-rollback.ts', [...args, '--yes'], env);
      expect({ args, code: result.code }).toEqual({ args, code: 1 });
      expect(result.output).toMatch(message);
    }
  }, 180_000);
});
