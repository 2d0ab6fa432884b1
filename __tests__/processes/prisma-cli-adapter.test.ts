import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { CatalogSafeClient, makeCatalogResultReadable } from '../../src/db/prisma-cli-adapter';
import { MIGRATIONS_DIR, PROJECT_ROOT as ROOT, PrismaCliError, runPrismaCli } from '../../src/db/migrations';
import { parsePgUrl } from '../../src/db/pg-url';
import { testDatabaseUrl } from '../support/app';

/** The workarounds that let the Prisma CLI migrate through @prisma/adapter-pg (prisma/prisma#27403). */
describe('the Prisma CLI adapter', () => {
  const catalogQuery = `SELECT conname AS constraint_name, contype AS constraint_type, attname::name AS column_name
                          FROM pg_constraint JOIN pg_attribute ON attrelid = conrelid AND attnum = conkey[1]
                         WHERE contype NOT IN ('p', 'u', 'f') LIMIT 5`;

  async function query(Client: typeof pg.Client): Promise<pg.QueryResult> {
    const client = new Client(parsePgUrl(testDatabaseUrl()).config);
    await client.connect();
    try {
      return await client.query(catalogQuery);
    } finally {
      await client.end();
    }
  }

  it('when a catalog query returns "char" and name columns, then they are reported as text', async () => {
    const plain = await query(pg.Client);
    expect(plain.fields.map((f) => f.dataTypeID)).toEqual([19, 18, 19]);
    const safe = await query(CatalogSafeClient);
    expect(safe.fields.map((f) => f.dataTypeID)).toEqual([25, 25, 25]);
  });

  it('when PostgreSQL lists NOT NULL constraints (contype n, PostgreSQL 18), then those rows are dropped', async () => {
    const result = {
      fields: [
        { name: 'constraint_name', dataTypeID: 19 },
        { name: 'constraint_type', dataTypeID: 18 },
      ],
      rows: [
        ['Session_title_not_null', 'n'],
        ['Session_check', 'c'],
      ],
      rowCount: 2,
    };
    expect(makeCatalogResultReadable(result)).toEqual({
      fields: [
        { name: 'constraint_name', dataTypeID: 25 },
        { name: 'constraint_type', dataTypeID: 25 },
      ],
      rows: [['Session_check', 'c']],
      rowCount: 1,
    });
    const live = await query(CatalogSafeClient);
    expect(live.rows.filter((r: { constraint_type: string }) => r.constraint_type === 'n')).toEqual([]);
  });

  async function shadowDatabases(): Promise<unknown[]> {
    const client = new pg.Client(parsePgUrl(testDatabaseUrl()).config);
    await client.connect();
    try {
      return (await client.query(`SELECT datname FROM pg_database WHERE datname LIKE 'prisma_migrate_shadow_db_%'`)).rows;
    } finally {
      await client.end();
    }
  }

  const diffArgs = (schemaFile: string): string[] => [
    'migrate',
    'diff',
    '--from-migrations',
    MIGRATIONS_DIR,
    '--to-schema-datamodel',
    schemaFile,
    '--exit-code',
  ];

  it('when prisma/migrations is replayed on a shadow database, then it matches schema.prisma exactly (no drift)', async () => {
    const output = await runPrismaCli(diffArgs(path.join(ROOT, 'prisma', 'schema.prisma')), testDatabaseUrl());
    expect(output).toMatch(/No difference detected/);
    expect(await shadowDatabases()).toEqual([]);
  }, 90_000);

  it('when the schema has a change no migration holds, then the diff reports it (exit code 2)', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'backendapi-schema-'));
    const changed = path.join(dir, 'schema.prisma');
    const schema = readFileSync(path.join(ROOT, 'prisma', 'schema.prisma'), 'utf8');
    writeFileSync(changed, schema.replace(/(model Algo \{\n)/, '$1  license String?\n'));
    try {
      const error = (await runPrismaCli(diffArgs(changed), testDatabaseUrl()).catch((e: unknown) => e)) as PrismaCliError;
      expect(error).toBeInstanceOf(PrismaCliError);
      expect(error.exitCode).toBe(2);
      expect(error.output).toMatch(/license/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await shadowDatabases()).toEqual([]);
  }, 90_000);
});
