/** The pure parts of the migration tooling: naming, the data-loss parser, model changes, history states. */
import { conventionalNames, fieldName, modelName } from '../../src/db/migrate/naming';
import { droppedObjects } from '../../src/db/migrate/data-loss';
import { modelChanges, type ModelsMeta } from '../../src/db/migrate/model-changes';
import { migrationStatus, type HistoryRow } from '../../src/db/migrate/history';
import { isEmptyScript } from '../../src/db/migrate/schema-diff';
import { listMigrations, MIGRATIONS_DIR } from '../../src/db/migrations';

describe('Prisma-style names for an introspected schema', () => {
  it('when tables and columns are snake_case and plural, then models are PascalCase singular and fields camelCase', () => {
    expect(['users', 'recording_sessions', 'event_log', 'api_keys', 'User', 'status'].map(modelName)).toEqual([
      'User',
      'RecordingSession',
      'EventLog',
      'ApiKey',
      'User',
      'Status',
    ]);
    expect(['created_at', 'email', 'sample_rate_hz', 'Email'].map(fieldName)).toEqual(['createdAt', 'email', 'sampleRateHz', 'email']);
  });

  it('when relations are named after tables, then they are named after their foreign key, and every name keeps its @map', () => {
    const pulled = [
      'model users {',
      '  id         String  @id @db.Uuid',
      '  created_at DateTime',
      '  algos      algos[]',
      '}',
      '',
      'model algos {',
      '  id       String @id @db.Uuid',
      '  owner_id String @db.Uuid',
      '  users    users  @relation(fields: [owner_id], references: [id])',
      '',
      '  @@index([owner_id, id], map: "algos_owner_idx")',
      '}',
      '',
      'model legacy {',
      '  id Int @id',
      '',
      '  @@map("old_legacy")',
      '}',
    ].join('\n');
    const { schema, types } = conventionalNames(pulled);
    expect([...types]).toEqual([
      ['users', 'User'],
      ['algos', 'Algo'],
      ['legacy', 'Legacy'],
    ]);
    expect(schema).toContain('  createdAt DateTime @map("created_at")');
    expect(schema).toContain('  algos      Algo[]');
    expect(schema).toContain('  owner    User  @relation(fields: [ownerId], references: [id])');
    expect(schema).toContain('  @@index([ownerId, id], map: "algos_owner_idx")');
    expect(schema).toMatch(/@@map\("algos"\)\n\}/);
    expect(schema.match(/@@map\("old_legacy"\)/g)).toHaveLength(1); // an existing @@map is kept, not doubled
  });

  it('when two tables would get the same model name, then the second keeps its own', () => {
    const { types } = conventionalNames('model user {\n  id Int @id\n}\n\nmodel users {\n  id Int @id\n}\n');
    expect([...types]).toEqual([['user', 'User']]);
  });
});

describe('what a down.sql drops', () => {
  it('when it drops tables and columns, then each is found, and constraint or default drops are not', () => {
    const sql = [
      '-- DropForeignKey',
      'ALTER TABLE "Recording" DROP CONSTRAINT "Recording_userId_fkey";',
      'ALTER TABLE "User" DROP COLUMN "nickname",',
      'DROP COLUMN "bio",',
      'ALTER COLUMN "name" DROP DEFAULT;',
      'DROP TABLE "LoginAttempt";',
      'DROP TABLE IF EXISTS "app"."Old", plain_table;',
      'ALTER TABLE ONLY "Algo" ALTER COLUMN "status" DROP NOT NULL;',
    ].join('\n');
    expect(droppedObjects(sql)).toEqual([
      { table: '"User"', column: '"nickname"' },
      { table: '"User"', column: '"bio"' },
      { table: '"LoginAttempt"' },
      { table: '"app"."Old"' },
      { table: '"plain_table"' },
    ]);
  });

  it('when a script holds only comments, then it is empty', () => {
    expect(isEmptyScript('-- This is an empty migration.\n\n')).toBe(true);
    expect(isEmptyScript('-- x\nSELECT 1;')).toBe(false);
  });
});

describe('model changes', () => {
  const field = {
    kind: 'scalar',
    type: 'String',
    nativeType: null,
    required: true,
    list: false,
    id: false,
    unique: false,
    hasDefault: false,
    updatedAt: false,
    documentation: null,
  };
  const before: ModelsMeta = {
    models: { User: { documentation: null, fields: { id: { ...field, id: true }, name: field }, relations: {} } },
    enums: { Role: ['ADMIN', 'MEMBER'] },
  };

  it('when fields, models and enum values change, then each change is one line', () => {
    const after: ModelsMeta = {
      models: {
        User: {
          documentation: null,
          fields: { id: { ...field, id: true }, name: { ...field, required: false }, nick: field },
          relations: {},
        },
        Device: { documentation: null, fields: { id: { ...field, id: true } }, relations: {} },
      },
      enums: { Role: ['ADMIN', 'MEMBER', 'GUEST'] },
    };
    expect(modelChanges(before, after)).toEqual([
      '+ model Device (id)',
      '~ User.name: String → String?',
      '+ User.nick: String',
      '~ enum Role: ADMIN, MEMBER → ADMIN, MEMBER, GUEST',
    ]);
    expect(modelChanges(before, before)).toEqual([]);
  });
});

describe('the migration history against the files', () => {
  // The first two migrations get history rows; whatever prisma/migrations holds after them has none.
  const [first, second, ...later] = listMigrations() as [string, string, ...string[]];
  const row = (name: string, over: Partial<HistoryRow> = {}): HistoryRow => ({
    name,
    checksum: 'x',
    startedAt: new Date(0),
    finishedAt: new Date(1),
    rolledBackAt: null,
    logs: null,
    ...over,
  });

  it('when the latest attempt failed, was rolled back, or names no file, then each lands where an operator looks for it', () => {
    const status = migrationStatus(
      [
        row(first),
        row(second, { finishedAt: null }),
        row('20000101000000_gone'),
        row('20000101000001_undone', { rolledBackAt: new Date(2) }),
      ],
      MIGRATIONS_DIR,
    );
    expect(status.applied.map((a) => [a.name, a.modified, a.hasDown])).toEqual([[first, true, true]]);
    expect(status.failed.map((f) => f.name)).toEqual([second]);
    expect(status.missing).toEqual(['20000101000000_gone']);
    expect(status.pending).toEqual(later); // a file without a row, whether or not an earlier one failed
    expect(migrationStatus(undefined, MIGRATIONS_DIR)).toMatchObject({ hasHistoryTable: false, pending: listMigrations() });
  });
});
