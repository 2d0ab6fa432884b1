import type { Database } from './connection';
import { failedMigrationAdvice, listMigrations, migrationState } from './migrations';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail?: string;
}

/** How long readiness waits for the database before calling it unreachable. */
const PROBE_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Readiness of the database: reachable, and every migration in prisma/migrations applied
 * (the list on disk is read once: it cannot change under a running process).
 */
export function databaseChecks(db: Database, migrations = listMigrations()): () => Promise<CheckResult[]> {
  return async () => {
    try {
      const state = await withTimeout(migrationState(db.pool, db.schema, migrations), PROBE_TIMEOUT_MS, 'the database');
      const migrationCheck: CheckResult = state.failed.length
        ? { name: 'migrations', ok: false, detail: state.failed.map(failedMigrationAdvice).join('; ') }
        : state.pending.length
          ? { name: 'migrations', ok: false, detail: `${state.pending.length} pending migration(s): ${state.pending.join(', ')}` }
          : { name: 'migrations', ok: true, detail: `${state.applied.length} applied` };
      return [{ name: 'database', ok: true }, migrationCheck];
    } catch (err) {
      return [{ name: 'database', ok: false, detail: `unreachable: ${(err as Error).message}` }];
    }
  };
}
