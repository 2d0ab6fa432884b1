import { logger } from '../core/logging';
import type { Database } from './connection';
import { isDatabaseUnavailable } from './errors';
import { failedMigrationAdvice, listMigrations, migrationState } from './migrations';

/**
 * One readiness check as /readyz (public, unauthenticated) shows it: a name and a short reason.
 * Never an error's own text, which names hosts, databases and roles: that goes to the log.
 */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail?: string;
}

class ProbeTimeout extends Error {}

/** How long readiness waits for the database before calling it unreachable. */
const PROBE_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeTimeout(`${what} did not answer within ${ms} ms`)), ms);
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
      logger.warn('readiness: the database check failed', { error: (err as Error).message });
      const reason = err instanceof ProbeTimeout ? 'timed out' : isDatabaseUnavailable(err) ? 'unreachable' : 'failing';
      return [{ name: 'database', ok: false, detail: reason }];
    }
  };
}
