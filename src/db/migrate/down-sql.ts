/**
 * Writing a migration's down.sql, the way Prisma documents down migrations: `prisma migrate
 * diff --script` from the schema with the migration to the schema without it. Both sides are
 * built from the migration files themselves (each on a temporary shadow database), so hand
 * edits that Prisma can see (tables, columns, indexes, enums, foreign keys) are undone too.
 * Triggers, functions, CHECK constraints and data changes are invisible to the diff: a
 * migration with those needs its down.sql completed by hand (the CI round trip,
 * __tests__/processes/migrate-down-roundtrip.test.ts, catches what is left behind).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { listMigrations } from '../migrations';
import { downFile } from './history';
import { diffScript } from './schema-diff';

export function downHeader(name: string): string {
  return [
    `-- Down migration of ${name}: undoes its migration.sql (npm run migrate:rollback).`,
    '-- Written by `prisma migrate diff` (npm run migrate:dev / migrate:down-sql) from the schema with this',
    '-- migration to the schema without it. If you edit migration.sql, check this file too: the diff does',
    '-- not see triggers, functions, CHECK constraints or data changes.',
    '',
    '',
  ].join('\n');
}

/** The down script of `name`: the diff from migrations up to it to the migrations before it. */
export async function downScript(url: string, migrationsDir: string, name: string): Promise<string> {
  const all = listMigrations(migrationsDir);
  const at = all.indexOf(name);
  if (at < 0) throw new Error(`no migration ${name} in ${migrationsDir}`);
  const sql = await diffScript(url, { migrationsDir, names: all.slice(0, at + 1) }, { migrationsDir, names: all.slice(0, at) });
  return downHeader(name) + (sql || '-- Nothing that Prisma models changed: nothing to undo.\n');
}

/** Writes down.sql for each migration given (by default: every one without it). Returns those written. */
export async function writeDownFiles(
  url: string,
  migrationsDir: string,
  options: { names?: readonly string[]; overwrite?: boolean; progress?: (message: string) => void } = {},
): Promise<string[]> {
  const all = listMigrations(migrationsDir);
  const unknown = (options.names ?? []).filter((n) => !all.includes(n));
  if (unknown.length) throw new Error(`no such migration(s): ${unknown.join(', ')}`);
  const names = (options.names?.length ? options.names : all).filter((n) => options.overwrite || !existsSync(downFile(migrationsDir, n)));
  for (const name of names) {
    options.progress?.(`writing ${name}/down.sql`);
    writeFileSync(downFile(migrationsDir, name), await downScript(url, migrationsDir, name));
  }
  return names;
}
