/**
 * Down migrations: each migration's `down.sql` (written by `npm run migrate:dev` with `prisma
 * migrate diff` from the schema with the migration to the schema without it) undoes it. A
 * rollback runs the down.sql files of the newest applied migrations, newest first, and removes
 * their rows from `_prisma_migrations`, all in one transaction (PostgreSQL DDL is transactional),
 * so `prisma migrate deploy` (npm run migrate) applies them again afterwards.
 *
 * The rows are deleted rather than marked `rolled_back_at`: Prisma 6.19's `migrate status`
 * counts a finished row as applied even when it carries rolled_back_at (while `migrate deploy`
 * re-applies it), so deleting keeps Prisma's tools and ours in agreement.
 */
import { existsSync, readFileSync } from 'node:fs';
import type pg from 'pg';
import { downFile, type MigrationStatus } from './history';

export interface RollbackStep {
  name: string;
  sql: string;
}

export interface RollbackSelection {
  /** Undo the newest `steps` applied migrations (default 1). */
  steps?: number;
  /** Undo every applied migration newer than this one (which stays applied). */
  to?: string;
}

export class RollbackRefused extends Error {
  override name = 'RollbackRefused';
}

/** The down migrations to run, newest first; refuses (nothing done) when one cannot be undone. */
export function planRollback(status: MigrationStatus, migrationsDir: string, selection: RollbackSelection): RollbackStep[] {
  if (status.failed.length) {
    throw new RollbackRefused(
      `migration(s) ${status.failed.map((f) => f.name).join(', ')} failed; resolve that first (npm run migrate:resolve)`,
    );
  }
  const applied = status.applied.map((a) => a.name);
  let chosen: string[];
  if (selection.to !== undefined) {
    const at = applied.indexOf(selection.to);
    if (at < 0) throw new RollbackRefused(`--to ${selection.to}: not an applied migration (applied: ${applied.join(', ') || 'none'})`);
    chosen = applied.slice(at + 1);
  } else {
    const steps = selection.steps ?? 1;
    if (!Number.isInteger(steps) || steps < 1) throw new RollbackRefused(`--steps must be a positive integer, not ${steps}`);
    if (steps > applied.length) throw new RollbackRefused(`--steps ${steps}: only ${applied.length} migration(s) are applied`);
    chosen = applied.slice(applied.length - steps);
  }
  if (!chosen.length) throw new RollbackRefused(`nothing to roll back: ${selection.to} is the newest applied migration`);
  if (status.missing.length) {
    throw new RollbackRefused(
      `applied migration(s) ${status.missing.join(', ')} are not in the migrations directory; a rollback needs every file`,
    );
  }
  const withoutDown = chosen.filter((name) => !existsSync(downFile(migrationsDir, name)));
  if (withoutDown.length) {
    throw new RollbackRefused(
      `no down.sql for ${withoutDown.join(', ')}: nothing was rolled back. Write one (npm run migrate:down-sql -- ${withoutDown.join(' ')}), review it, and try again`,
    );
  }
  return chosen.reverse().map((name) => ({ name, sql: readFileSync(downFile(migrationsDir, name), 'utf8') }));
}

/** Runs the steps and removes their history rows in one transaction; all or nothing. */
export async function runRollback(client: pg.Client, quotedSchema: string, steps: RollbackStep[]): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const step of steps) {
      try {
        await client.query(step.sql);
      } catch (err) {
        throw new Error(`down.sql of ${step.name} failed, nothing was rolled back: ${(err as Error).message}`, { cause: err });
      }
      await client.query(`DELETE FROM ${quotedSchema}."_prisma_migrations" WHERE migration_name = $1`, [step.name]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}
