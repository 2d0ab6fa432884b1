/**
 * npm run db:adopt against a real PostgreSQL: a database made with plain SQL in the style of
 * the service this project replaces (snake_case, plural tables, no Prisma history) is adopted —
 * schema with Prisma-style names mapped to the database's, a baseline recorded as applied — and
 * the API's generic listing (ResourceService with the recordings descriptor, its filter, sort,
 * include and cursor) serves the mapped table through a client generated from that schema.
 * On the embedded server: __tests__/migrate-embedded.test.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import type { PrismaClient } from '../../src/generated/prisma/client';
import type { Database } from '../../src/db/connection';
import { listMigrations } from '../../src/db/migrations';
import { parsePgUrl, quoteIdent, withSchema } from '../../src/db/pg-url';
import { generate } from '../../src/db/prisma-generate';
import { WriteWatch } from '../../src/db/write-watch';
import { parseListQuery } from '../../src/resources/listing';
import { recordings } from '../../src/resources/recordings.resource';
import { createServices } from '../../src/resources/registry';
import { appliedMigrations, runScript, scratchPrisma, sql } from '../support/migrate-cli';
import { fillSeedStyle, SEED_STYLE_SQL } from '../support/seed-style';

const describeExternal = process.env.TEST_DATABASE_URL ? describe : describe.skip;
describeExternal('db:adopt on PostgreSQL', () => {
  const base = process.env.TEST_DATABASE_URL ?? 'postgresql://unused@127.0.0.1/unused';
  const schema = `madopt_${process.pid}`;
  const url = withSchema(base, schema);
  const env = { DATABASE_URL: url };
  const copy = scratchPrisma('adopt', 0);
  let userId = '';

  beforeAll(async () => {
    await sql(base, `DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
    await sql(url, SEED_STYLE_SQL);
    ({ userId } = await fillSeedStyle(url));
  });
  afterAll(async () => {
    copy.remove();
    await sql(base, `DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it('when prisma/migrations already holds migrations, then adopt refuses and points at migrate:clear and --replace-migrations', async () => {
    const withMigrations = scratchPrisma('adopt-refused');
    try {
      const result = await runScript('db-adopt.ts', ['--schema', withMigrations.schemaFile, '--yes'], env);
      expect(result.code).toBe(1);
      expect(result.output).toMatch(/already holds \d+ migration\(s\).*npm run migrate:clear.*--replace-migrations/s);
      expect(listMigrations(withMigrations.migrationsDir)).toEqual(listMigrations());
    } finally {
      withMigrations.remove();
    }
  }, 60_000);

  it('when a seed-style database is adopted, then the schema maps its names, a baseline is recorded and nothing drifts', async () => {
    const result = await runScript('db-adopt.ts', ['--schema', copy.schemaFile, '--yes'], env);
    expect(result.code).toBe(0);
    expect(result.output).toContain('recordings → Recording (@@map("recordings"))');
    const schemaText = readFileSync(copy.schemaFile, 'utf8');
    expect(schemaText).toMatch(/^model Recording \{[\s\S]*?@@map\("recordings"\)\n\}/m);
    expect(schemaText).toMatch(/^\s+sampleRateHz\s+Float\?\s+@map\("sample_rate_hz"\)$/m);
    expect(schemaText).toMatch(/^\s+session\s+Session\?\s+@relation\(fields: \[sessionId\], references: \[id\]/m);
    expect(schemaText).toMatch(/^enum RecordingStatus \{[\s\S]*?@@map\("recording_status"\)/m);
    expect(schemaText).toMatch(/^generator models \{/m); // the project's generators stay
    const [baseline] = listMigrations(copy.migrationsDir);
    expect(baseline).toMatch(/^\d{14}_baseline$/);
    expect(readFileSync(path.join(copy.migrationsDir, baseline as string, 'migration.sql'), 'utf8')).toContain('CREATE TABLE "recordings"');
    expect(await appliedMigrations(base, schema)).toEqual([baseline]);
    expect(await sql(url, `SELECT count(*)::int AS n FROM recordings`)).toEqual([{ n: 3 }]);

    const status = await runScript('migrate-status.ts', ['--schema', copy.schemaFile], env);
    expect(status.output).toContain('summary: 1 applied, 0 pending, 0 failed, 0 modified, 0 missing; drift: none');
    expect(status.code).toBe(0);

    const again = await runScript('db-adopt.ts', ['--schema', copy.schemaFile, '--yes'], env);
    expect(again.code).toBe(1);
    expect(again.output).toMatch(/already has a Prisma migration history \(1 applied\)/);
  }, 120_000);

  it('when a client is generated from the adopted schema, then the generic listing serves the mapped table', async () => {
    await generate({ schema: copy.schemaFile, clientOnly: true });
    // The client generated from the adopted schema (its models carry @@map/@map), in place of the project's.
    const generated = (await import(path.join(copy.root, 'src', 'generated', 'prisma', 'client.ts'))) as {
      PrismaClient: typeof PrismaClient;
    };
    const pool = new pg.Pool({ ...parsePgUrl(url).config, max: 2 });
    const prisma = new generated.PrismaClient({ adapter: new PrismaPg(pool, { schema }) });
    const db: Database = { prisma, pool, schema: quoteIdent(schema), url, writes: new WriteWatch(), close: async () => undefined };
    try {
      const service = createServices(db).get('recordings');
      const admin = {
        userId,
        email: 'ada@example.com',
        role: 'ADMIN' as const,
        tokenId: 'test',
        tokenKind: 'API' as const,
        scope: 'FULL' as const,
      };
      const query = { status: 'READY', sort: '-recordedAt', include: 'session', limit: '1', fields: 'name,sampleRateHz,recordedAt' };
      const first = await service?.list(admin, parseListQuery(query, recordings));
      expect(first?.items.map((r) => JSON.parse(r) as Record<string, unknown>)).toEqual([
        expect.objectContaining({ name: 'night-ecg', sampleRateHz: 256, session: expect.objectContaining({ title: 'Sleep study' }) }),
      ]);
      expect(first?.nextCursor).toEqual(expect.any(String));
      const second = await service?.list(admin, parseListQuery({ ...query, cursor: first?.nextCursor as string }, recordings));
      expect(second?.items.map((r) => (JSON.parse(r) as Record<string, unknown>).name)).toEqual(['night-eeg']);
      expect(second?.nextCursor).toBeNull();
    } finally {
      await prisma.$disconnect();
      await pool.end();
    }
  }, 120_000);
});
