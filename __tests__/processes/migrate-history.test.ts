/**
 * The migration history against a real PostgreSQL: a failed migration (what migrate, readiness
 * and start-up say, and migrate:resolve), migrate:clear rebuilding a lost history while keeping
 * the rows, and generate:models reading the live database. Scratch schemas of the test database.
 */
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { connectDatabase } from '../../src/db/connection';
import { databaseChecks } from '../../src/db/health';
import { downFile } from '../../src/db/migrate/history';
import { listMigrations, MIGRATIONS_DIR } from '../../src/db/migrations';
import { withSchema } from '../../src/db/pg-url';
import { appliedMigrations, runScript, scratchPrisma, sql, tables, type ScriptResult } from '../support/migrate-cli';
import { ROOT, runTs } from '../support/process';

const describeExternal = process.env.TEST_DATABASE_URL ? describe : describe.skip;
const all = listMigrations();
const first = all[0] as string;

/** `npm start` until it exits (it must: the database needs an operator). */
const start = (env: Record<string, string>): Promise<ScriptResult> =>
  runTs(['src/main.ts'], { NODE_ENV: 'test', LOG_FORMAT: 'pretty', PORT: '0', HOST: '127.0.0.1', ...env }, 0);

describeExternal('migration history on PostgreSQL', () => {
  const base = process.env.TEST_DATABASE_URL ?? 'postgresql://unused@127.0.0.1/unused';
  const schema = `mhistory_${process.pid}`;
  const url = withSchema(base, schema);
  const env = { DATABASE_URL: url };
  const reset = (): Promise<unknown> => sql(base, `DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);

  beforeAll(reset);
  afterAll(async () => {
    await sql(base, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it('when a migration fails, then migrate, readiness and start-up name it and point at migrate:resolve, which settles it', async () => {
    // A type the first migration creates already exists, so it fails half-way.
    await sql(url, `CREATE DOMAIN "Modality" AS text`);
    const failed = await runScript('migrate.ts', [], env);
    expect(failed.code).toBe(1);
    expect(failed.output).toContain(`migration ${first} failed: ERROR: type "Modality" already exists`);
    expect(failed.output).toContain(`npm run migrate:resolve -- --rolled-back ${first}`);

    const db = connectDatabase({ url, poolSize: 1, connectTimeoutMs: 5_000, statementTimeoutMs: 10_000 });
    try {
      const checks = await databaseChecks(db)();
      expect(checks).toContainEqual({
        name: 'migrations',
        ok: false,
        detail: expect.stringContaining(`migration ${first} failed and the database may be half-migrated: see npm run migrate:status`),
      });
    } finally {
      await db.close();
    }
    const started = await start(env);
    expect(started.code).toBe(1);
    expect(started.output).toMatch(
      new RegExp(`start-up failed: migration ${first} failed .*npm run migrate:resolve -- --rolled-back ${first}`),
    );

    const status = await runScript('migrate-status.ts', ['--skip-drift'], env);
    expect(status.output).toMatch(new RegExp(`FAILED +${first}`));
    expect(status.code).toBe(2);

    const wrongFlag = await runScript('migrate-resolve.ts', ['--rolled-back', all[1] as string], env);
    expect(wrongFlag.code).toBe(1);
    expect(wrongFlag.output).toMatch(/is pending, not failed/);

    // The operator completes the migration by hand, then says so.
    await sql(url, `DROP DOMAIN "Modality"; DROP TYPE IF EXISTS "Role"; DROP TYPE IF EXISTS "ApiKeyKind"`);
    await sql(url, readFileSync(path.join(ROOT, 'prisma', 'migrations', first, 'migration.sql'), 'utf8'));
    const resolved = await runScript('migrate-resolve.ts', ['--applied', first], env);
    expect(resolved.code).toBe(0);
    expect(resolved.output).toContain(`${first}: failed → applied`);
    expect((await runScript('migrate.ts', [], env)).code).toBe(0);
    expect(await appliedMigrations(base, schema)).toEqual(all);
  }, 180_000);

  it('when a failed migration is marked rolled back after repairing the database, then migrate applies it', async () => {
    await reset();
    await sql(url, `CREATE DOMAIN "Modality" AS text`);
    expect((await runScript('migrate.ts', [], env)).code).toBe(1);
    // Repair: drop what the half-run migration and the obstacle left, keep the history.
    await sql(url, `DROP DOMAIN "Modality"; DROP TYPE IF EXISTS "Role"; DROP TYPE IF EXISTS "ApiKeyKind"`);
    const resolved = await runScript('migrate-resolve.ts', ['--rolled-back', first], env);
    expect(resolved.code).toBe(0);
    expect(resolved.output).toContain(`${first}: failed → rolled back (pending)`);
    const applied = await runScript('migrate.ts', [], env);
    expect(applied.code).toBe(0);
    expect(await appliedMigrations(base, schema)).toEqual(all);

    const again = await runScript('migrate-resolve.ts', ['--applied', first], env);
    expect(again.code).toBe(1);
    expect(again.output).toContain(`${first} is already applied`);
    const unknown = await runScript('migrate-resolve.ts', ['--applied', '20000101000000_nope'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.output).toMatch(/no migration 20000101000000_nope/);
  }, 180_000);

  it('when the history is lost, then migrate:clear records what the tables hold, applies the rest and keeps every row', async () => {
    await reset();
    expect((await runScript('migrate.ts', [], env)).code).toBe(0);
    const migrated = await tables(base, schema);
    await sql(url, `INSERT INTO "User" (id, email, name, "updatedAt") VALUES (gen_random_uuid(), 'kept@example.com', 'Kept', now())`);
    // Only the first migration's changes are there (every later one undone by its down.sql,
    // newest first), and nobody remembers anything.
    for (const name of all.slice(1).reverse()) await sql(url, readFileSync(downFile(MIGRATIONS_DIR, name), 'utf8'));
    await sql(url, `DELETE FROM "_prisma_migrations"`);

    const asked = await runScript('migrate-clear.ts', [], env);
    expect(asked.code).toBe(1);
    expect(asked.output).toMatch(/refusing: stdin is not a terminal/);

    const result = await runScript('migrate-clear.ts', ['--yes'], env);
    expect(result.code).toBe(0);
    expect(result.output).toContain(`recording ${first} as applied (its changes are present)`);
    expect(result.output).toContain(`applying ${all.slice(1).join(', ')}`);
    expect(await appliedMigrations(base, schema)).toEqual(all);
    expect(await sql(url, `SELECT email FROM "User"`)).toEqual([{ email: 'kept@example.com' }]);
    expect(await tables(base, schema)).toEqual(migrated);
  }, 180_000);

  it('when the tables match no prefix of the migrations, then migrate:clear refuses with the difference and changes nothing', async () => {
    await sql(url, `ALTER TABLE "User" ADD COLUMN "nickname" text; DELETE FROM "_prisma_migrations"`);
    try {
      const result = await runScript('migrate-clear.ts', ['--yes'], env);
      expect(result.code).toBe(1);
      expect(result.output).toMatch(/match no prefix of the migrations, so nothing was changed/);
      expect(result.output).toMatch(/DROP COLUMN "nickname"/);
      expect(await appliedMigrations(base, schema)).toEqual([]);
      expect(await sql(url, `SELECT count(*)::int AS n FROM "User"`)).toEqual([{ n: 1 }]);
    } finally {
      await sql(url, `ALTER TABLE "User" DROP COLUMN "nickname"`);
    }
  }, 180_000);

  it('when a column was added to the database, then generate:models pulls it into the schema, regenerates and prints the change', async () => {
    await reset();
    expect((await runScript('migrate.ts', [], env)).code).toBe(0);
    await sql(url, `ALTER TABLE "Recording" ADD COLUMN "deviceSerial" text`);
    const copy = scratchPrisma('models', 0);
    try {
      // The metadata as it is now, where the copy's `models` generator writes (../src/models/generated).
      mkdirSync(path.join(copy.root, 'src', 'models', 'generated'), { recursive: true });
      cpSync(path.join(ROOT, 'src', 'models', 'generated', 'schema.ts'), path.join(copy.root, 'src', 'models', 'generated', 'schema.ts'));
      const result = await runScript('generate-models-from-db.ts', ['--schema', copy.schemaFile], env);
      expect(result.code).toBe(0);
      expect(result.output).toMatch(/the models changed \(1\):\s+\S+ \S+ +\+ Recording\.deviceSerial: String\?/);
      expect(readFileSync(copy.schemaFile, 'utf8')).toMatch(/^\s+deviceSerial\s+String\?$/m);
      expect(readFileSync(path.join(copy.root, 'src', 'models', 'generated', 'schema.ts'), 'utf8')).toContain('"deviceSerial"');
      const client = path.join(copy.root, 'src', 'generated', 'prisma', 'models', 'Recording.ts');
      expect(existsSync(client) && readFileSync(client, 'utf8')).toContain('deviceSerial');
    } finally {
      copy.remove();
    }
  }, 180_000);
});
