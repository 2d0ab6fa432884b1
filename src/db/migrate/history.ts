/**
 * The migration history as Prisma Migrate keeps it (`_prisma_migrations`: one row per attempt,
 * with the SHA-256 of the migration.sql it ran) set against the files in the migrations
 * directory: what is applied, pending, failed, modified since it was applied, or applied but
 * no longer on disk.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { listMigrations } from '../migrations';

export interface HistoryRow {
  name: string;
  checksum: string;
  startedAt: Date;
  finishedAt: Date | null;
  rolledBackAt: Date | null;
  logs: string | null;
}

export interface MigrationStatus {
  /** Applied, oldest first, with when; `modified`: migration.sql changed since. */
  applied: Array<{ name: string; finishedAt: Date; modified: boolean; hasDown: boolean }>;
  pending: string[];
  /** Started, neither finished nor rolled back: the database may be half-migrated. */
  failed: Array<{ name: string; startedAt: Date; logs: string | null }>;
  /** Applied in the database, but no longer in the migrations directory. */
  missing: string[];
  /** Whether `_prisma_migrations` exists at all. */
  hasHistoryTable: boolean;
  rows: number;
}

type Queryable = Pick<pg.Pool | pg.Client, 'query'>;

/** SHA-256 of a migration.sql, as Prisma records it in `_prisma_migrations.checksum`. */
export function migrationChecksum(migrationsDir: string, name: string): string {
  return createHash('sha256')
    .update(readFileSync(path.join(migrationsDir, name, 'migration.sql')))
    .digest('hex');
}

export const downFile = (migrationsDir: string, name: string): string => path.join(migrationsDir, name, 'down.sql');

/** Every row of `_prisma_migrations` in the (quoted) schema; undefined when the table does not exist. */
export async function readHistory(db: Queryable, quotedSchema: string): Promise<HistoryRow[] | undefined> {
  try {
    const { rows } = await db.query<HistoryRow>(
      `SELECT migration_name AS name, checksum, started_at AS "startedAt", finished_at AS "finishedAt",
              rolled_back_at AS "rolledBackAt", logs
         FROM ${quotedSchema}."_prisma_migrations" ORDER BY started_at, migration_name`,
    );
    return rows;
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return undefined; // undefined_table
    throw err;
  }
}

/** The history against the files: the latest attempt of each migration decides its state. */
export function migrationStatus(rows: HistoryRow[] | undefined, migrationsDir: string): MigrationStatus {
  const files = listMigrations(migrationsDir);
  const latest = new Map<string, HistoryRow>();
  for (const row of rows ?? []) latest.set(row.name, row); // rows are in start order
  const status: MigrationStatus = {
    applied: [],
    pending: [],
    failed: [],
    missing: [],
    hasHistoryTable: rows !== undefined,
    rows: rows?.length ?? 0,
  };
  for (const name of files) {
    const row = latest.get(name);
    if (row?.finishedAt && !row.rolledBackAt) {
      const modified = row.checksum !== migrationChecksum(migrationsDir, name);
      status.applied.push({ name, finishedAt: row.finishedAt, modified, hasDown: existsSync(downFile(migrationsDir, name)) });
    } else if (row && !row.finishedAt && !row.rolledBackAt) {
      status.failed.push({ name, startedAt: row.startedAt, logs: row.logs });
    } else {
      status.pending.push(name);
    }
  }
  const known = new Set(files);
  for (const [name, row] of latest) {
    if (known.has(name) || row.rolledBackAt) continue;
    if (row.finishedAt) status.missing.push(name);
    else status.failed.push({ name, startedAt: row.startedAt, logs: row.logs });
  }
  return status;
}
