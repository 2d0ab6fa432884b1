/**
 * Adopting a database that has tables but no Prisma history (Prisma's "baselining"): introspect
 * it (`prisma db pull`), give the models Prisma's naming conventions with `@@map` / `@map` to the
 * database's own names (./naming.ts), write that as the schema, write a baseline migration that
 * would build the same tables (`prisma migrate diff --from-empty --to-schema-datamodel`), and
 * record it as applied (`prisma migrate resolve --applied`), so that later migrations start
 * from what is there. No table or row is touched.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { listMigrations, runPrismaCli } from '../migrations';
import { conventionalNames } from './naming';
import type { PrismaPaths } from './paths';
import { diffScript, pullDatamodel, withScratchDir } from './schema-diff';

export interface Adoption {
  /** The schema to write: the introspected one, renamed to Prisma's conventions when that was safe. */
  schema: string;
  models: number;
  /** Old → new model and enum names. */
  renamed: Map<string, string>;
  mappedFields: number;
  /** False when renaming would have changed what the schema means: the database's names are kept. */
  conventional: boolean;
}

const DEFAULT_HEADER = 'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n';

/** The generator and datasource blocks of an existing schema (its models are replaced). */
export function schemaHeader(schemaFile: string): string {
  if (!existsSync(schemaFile)) return DEFAULT_HEADER;
  const blocks = readFileSync(schemaFile, 'utf8').match(/^(?:generator|datasource)\s+\w+\s*\{[\s\S]*?^\}/gm);
  return blocks?.some((b) => b.startsWith('datasource')) ? `${blocks.join('\n\n')}\n` : DEFAULT_HEADER;
}

/** Introspects the database into a schema with conventional names (checked with migrate diff). */
export async function introspectForAdoption(url: string, paths: PrismaPaths, progress: (m: string) => void): Promise<Adoption> {
  return withScratchDir(async (scratch) => {
    const pulled = path.join(scratch, 'pulled.prisma');
    progress('introspecting the database (prisma db pull)');
    if (!(await pullDatamodel(url, pulled, schemaHeader(paths.schemaFile)))) {
      throw new Error('the database has no tables: there is nothing to adopt (npm run migrate builds the schema from prisma/migrations)');
    }
    const original = readFileSync(pulled, 'utf8');
    const models = (original.match(/^model\s+\w+/gm) ?? []).length;
    const named = conventionalNames(original);
    const renamedFile = path.join(scratch, 'renamed.prisma');
    writeFileSync(renamedFile, named.schema);
    await runPrismaCli(['format', '--schema', renamedFile], url);
    progress('checking that the renamed schema describes the same tables (prisma migrate diff)');
    const difference = await diffScript(url, { datamodel: pulled }, { datamodel: renamedFile });
    if (difference) {
      progress(`renaming would change the database schema, so the database's names are kept:\n${difference}`);
      return { schema: original, models, renamed: new Map(), mappedFields: 0, conventional: false };
    }
    return { schema: readFileSync(renamedFile, 'utf8'), models, renamed: named.types, mappedFields: named.fields, conventional: true };
  });
}

/** A migration name as `prisma migrate dev` makes them: UTC timestamp, underscore, name. */
export function migrationName(label: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
  return `${stamp}_${label}`;
}

/** Moves the migrations directory aside (for --replace-migrations); returns where it went. */
export function moveMigrationsAside(paths: PrismaPaths, now = new Date()): string {
  const aside = `${paths.migrationsDir}-replaced-${now.toISOString().replace(/\D/g, '').slice(0, 14)}`;
  renameSync(paths.migrationsDir, aside);
  return aside;
}

/** Writes the schema and the baseline migration, and records the baseline as applied. */
export async function writeAdoption(url: string, paths: PrismaPaths, adoption: Adoption, baseline: string): Promise<void> {
  if (listMigrations(paths.migrationsDir).length) throw new Error(`${paths.migrationsDir} is not empty`);
  writeFileSync(paths.schemaFile, adoption.schema);
  const dir = path.join(paths.migrationsDir, baseline);
  mkdirSync(dir, { recursive: true });
  const sql = await diffScript(url, { empty: true }, { datamodel: paths.schemaFile });
  const header = [
    `-- Baseline of an adopted database (npm run db:adopt): the tables as they were when it was adopted,`,
    '-- recorded as applied there, never run on it. It builds the same tables on a new, empty database.',
    '',
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'migration.sql'), header + sql);
  const lock = path.join(paths.migrationsDir, 'migration_lock.toml');
  if (!existsSync(lock)) {
    writeFileSync(
      lock,
      '# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "postgresql"\n',
    );
  }
  await runPrismaCli(['migrate', 'resolve', '--applied', baseline, ...paths.cliArgs], url);
}
