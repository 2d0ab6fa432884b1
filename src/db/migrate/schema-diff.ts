/**
 * What Prisma Migrate can say about schemas, through the project's CLI wrapper (runPrismaCli):
 * introspection (`db pull`) and `migrate diff` between a datamodel, a list of migrations (applied
 * to a temporary shadow database) or nothing.
 *
 * With a driver adapter (prisma.config.ts, `engine: 'js'`) `migrate diff` cannot read a live
 * database (`--from-url` / `--from-schema-datasource` are refused), so the database's side is
 * its introspected datamodel: `db pull` into a scratch schema file.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PrismaCliError, runPrismaCli } from '../migrations';
import { parsePgUrl } from '../pg-url';

/** One side of a diff: nothing, a datamodel file, or these migrations of a migrations directory. */
export type DiffSide = { empty: true } | { datamodel: string } | { migrationsDir: string; names: readonly string[] };

const DATASOURCE_ONLY = 'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n';

/** Runs `work` with a scratch directory that is removed afterwards. */
export async function withScratchDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'backendapi-migrate-'));
  try {
    return await work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A migrations directory holding copies of `names` (and the lock file), for --from/--to-migrations. */
function subset(migrationsDir: string, names: readonly string[], scratch: string, label: string): string {
  const dir = path.join(scratch, label);
  mkdirSync(dir);
  const lock = path.join(migrationsDir, 'migration_lock.toml');
  writeFileSync(path.join(dir, 'migration_lock.toml'), existsSync(lock) ? readFileSync(lock) : 'provider = "postgresql"\n');
  for (const name of names) cpSync(path.join(migrationsDir, name), path.join(dir, name), { recursive: true });
  return dir;
}

const isNothing = (side: DiffSide): boolean => 'empty' in side || ('names' in side && !side.names.length);

function sideArgs(side: DiffSide, direction: 'from' | 'to', scratch: string): string[] {
  if ('empty' in side) return [`--${direction}-empty`];
  if ('datamodel' in side) return [`--${direction}-schema-datamodel`, side.datamodel];
  if (!side.names.length) return [`--${direction}-empty`];
  return [`--${direction}-migrations`, subset(side.migrationsDir, side.names, scratch, direction)];
}

/**
 * `prisma migrate diff --script` from one side to the other: the SQL that turns `from` into `to`,
 * with the schema name the CLI puts before every object removed, so that it runs in any schema
 * (as migration.sql files do). Empty when there is no difference.
 */
export async function diffScript(url: string, from: DiffSide, to: DiffSide): Promise<string> {
  const { schema } = parsePgUrl(url);
  if (isNothing(from) && isNothing(to)) return ''; // the CLI cannot tell which database that would be

  return withScratchDir(async (scratch) => {
    const out = path.join(scratch, 'diff.sql');
    await runPrismaCli(['migrate', 'diff', ...sideArgs(from, 'from', scratch), ...sideArgs(to, 'to', scratch), '--script', '-o', out], url);
    const sql = readFileSync(out, 'utf8')
      // From nothing, the CLI first creates the URL's schema: the scripts run in whichever schema they are given.
      .replace(new RegExp(`(-- CreateSchema\\n)?CREATE SCHEMA IF NOT EXISTS "${schema}";\\n*`), '')
      .split(`"${schema}".`)
      .join('');
    return isEmptyScript(sql) ? '' : sql.trim() + '\n';
  });
}

/** True when a script holds nothing but comments and blank lines ("-- This is an empty migration."). */
export function isEmptyScript(sql: string): boolean {
  return sql
    .split('\n')
    .map((l) => l.trim())
    .every((l) => l === '' || l.startsWith('--'));
}

/**
 * Introspects the database into `file` (`prisma db pull`): a datasource block and its models,
 * named as in the database. Returns false when the database has no tables (nothing to pull).
 */
export async function pullDatamodel(url: string, file: string, header = DATASOURCE_ONLY): Promise<boolean> {
  writeFileSync(file, header);
  try {
    await runPrismaCli(['db', 'pull', '--schema', file], url);
    return true;
  } catch (err) {
    // P4001: "The introspected database was empty"
    if (err instanceof PrismaCliError && /P4001|introspected database was empty/.test(err.output)) return false;
    throw err;
  }
}

/**
 * Drift: the SQL that would turn the database as it is into what `migrations` build. Empty when
 * the database matches them (tables, columns, types, indexes, foreign keys, enums: what Prisma
 * models; not triggers, functions or CHECK constraints).
 */
export async function driftScript(url: string, migrationsDir: string, migrations: readonly string[]): Promise<string> {
  return withScratchDir(async (scratch) => {
    const pulled = path.join(scratch, 'database.prisma');
    const from: DiffSide = (await pullDatamodel(url, pulled)) ? { datamodel: pulled } : { empty: true };
    return diffScript(url, from, { migrationsDir, names: migrations });
  });
}
