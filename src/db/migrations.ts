/**
 * Prisma Migrate, driven from the application and the npm scripts alike: the same code path
 * applies migrations at start-up, in tests and in `npm run migrate`.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { PROJECT_ROOT } from '../core/paths';

export { PROJECT_ROOT };
export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'prisma', 'migrations');

/** The migrations in prisma/migrations, oldest first. */
export function listMigrations(dir = MIGRATIONS_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort();
}

export interface MigrationState {
  applied: string[];
  /** Present in prisma/migrations, not yet (successfully) applied. */
  pending: string[];
  /** Started and neither finished nor rolled back: needs an operator. */
  failed: string[];
}

/** Reads `_prisma_migrations` in the given (quoted) schema; a missing table means nothing applied. */
export async function migrationState(pool: pg.Pool, quotedSchema: string, known = listMigrations()): Promise<MigrationState> {
  let rows: Array<{ migration_name: string; finished: boolean; rolled_back: boolean }> = [];
  try {
    const result = await pool.query<{ migration_name: string; finished: boolean; rolled_back: boolean }>(
      `SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back
         FROM ${quotedSchema}."_prisma_migrations"`,
    );
    rows = result.rows;
  } catch (err) {
    if ((err as { code?: string }).code !== '42P01') throw err; // undefined_table
  }
  const applied = new Set(rows.filter((r) => r.finished && !r.rolled_back).map((r) => r.migration_name));
  return {
    applied: [...applied].sort(),
    pending: known.filter((m) => !applied.has(m)),
    failed: rows.filter((r) => !r.finished && !r.rolled_back).map((r) => r.migration_name),
  };
}

export class PrismaCliError extends Error {
  constructor(
    readonly args: string[],
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(`prisma ${args.join(' ')} failed (exit ${String(exitCode)}):\n${output.trim()}`);
    this.name = 'PrismaCliError';
  }
}

export interface PrismaCliOptions {
  /** Inherit stdio (interactive commands such as migrate dev); otherwise output is captured. */
  interactive?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Runs the Prisma CLI of this project against `url`. Resolves with its captured output. */
export function runPrismaCli(args: string[], url: string, options: PrismaCliOptions = {}): Promise<string> {
  const cli = require.resolve('prisma/build/index.js');
  const preload = path.join(PROJECT_ROOT, 'scripts', 'prisma-cli-preload.cjs');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', preload, cli, ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, ...options.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
      stdio: options.interactive ? 'inherit' : ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new PrismaCliError(args, code, output))));
  });
}

/** A failed `prisma migrate deploy`, reduced to what an operator needs. */
export class MigrationFailedError extends Error {
  constructor(
    readonly migration: string | undefined,
    readonly databaseMessage: string,
    readonly output: string,
  ) {
    super(migration ? `migration ${migration} failed: ${databaseMessage}` : `migrate deploy failed: ${databaseMessage}`);
    this.name = 'MigrationFailedError';
  }
}

/** Extracts the failing migration and the database's message from the Prisma CLI's output. */
export function migrationFailure(err: unknown): MigrationFailedError | undefined {
  if (!(err instanceof PrismaCliError)) return undefined;
  const out = err.output;
  const migration = /migration_name="([^"]+)"/.exec(out)?.[1] ?? /Migration name: (\S+)/.exec(out)?.[1];
  const message =
    /Error querying the database: (.+)/.exec(out)?.[1] ??
    /Database error:\s*\n(.+)/.exec(out)?.[1] ??
    /^(ERROR: .+)$/m.exec(out)?.[1] ??
    // e.g. "Error: P1001\n\nCan't reach database server at …"
    /^Error: (P\d{4})\s*\n+(.+)/m.exec(out)?.slice(1).join(': ') ??
    /^Error: (.+)$/m.exec(out)?.[1] ??
    out.trim().split('\n').at(-1) ??
    'unknown error';
  return new MigrationFailedError(migration, message.trim(), out);
}

/**
 * `prisma migrate deploy` (applies pending migrations, never creates or resets anything), failing
 * with the migration's name and the database's message. The only place that runs it: start-up,
 * the tests' setup, npm run migrate, clear, reset and the history rebuild all come here.
 */
export async function deployMigrations(url: string, cliArgs: string[] = []): Promise<void> {
  try {
    await runPrismaCli(['migrate', 'deploy', ...cliArgs], url);
  } catch (err) {
    throw migrationFailure(err) ?? err;
  }
}

/** What an operator does about a failed migration (readiness, start-up, migrate:status). */
export function failedMigrationAdvice(name: string): string {
  return (
    `migration ${name} failed and the database may be half-migrated: see npm run migrate:status, repair the database, ` +
    `then npm run migrate:resolve -- --rolled-back ${name} (to run it again) or -- --applied ${name} (if you completed it by hand); see docs/migrations.md`
  );
}

export interface ApplyOptions {
  /** Another prisma/ (npm run migrate -- --schema): its migrations, and the CLI arguments naming it. */
  migrationsDir?: string;
  cliArgs?: string[];
  /** Told the state found before anything is applied (npm run migrate prints it). */
  onState?: (state: MigrationState) => void;
}

/**
 * Applies pending migrations through `prisma migrate deploy`, unless the database is already
 * up to date (checked with one query, so a normal start does not pay for the CLI). A migration
 * left failed stops it with what to do. Start-up, the tests' setup and npm run migrate use it.
 * Returns the names of the migrations it applied.
 */
export async function applyPendingMigrations(
  pool: pg.Pool,
  quotedSchema: string,
  url: string,
  options: ApplyOptions = {},
): Promise<string[]> {
  const before = await migrationState(pool, quotedSchema, listMigrations(options.migrationsDir));
  options.onState?.(before);
  const failed = before.failed[0];
  if (failed) throw new Error(failedMigrationAdvice(failed));
  if (!before.pending.length) return [];
  try {
    await deployMigrations(url, options.cliArgs);
  } catch (err) {
    if (err instanceof MigrationFailedError && err.migration) {
      throw new Error(`${err.message}; ${failedMigrationAdvice(err.migration)}`, { cause: err });
    }
    throw err;
  }
  return before.pending;
}
