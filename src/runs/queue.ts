/**
 * The job queue of algorithm runs, on PostgreSQL alone: claims take QUEUED runs with
 * `FOR UPDATE SKIP LOCKED` (concurrent claims never wait for each other nor take the same run),
 * each transition is one statement with its event-log row (src/runs/sql.ts), and a lease names
 * who may report: a report whose lease is not the run's current one is a 409, so a run is never
 * finished twice, whatever retries, expiries and restarts happen. Statements run on the Prisma
 * client given (a transaction's, for Idempotency-Key), so this is the data layer of the routes.
 *
 * Why not pg-boss or graphile-worker: both run their own schema and a worker loop inside a Node
 * process that holds a database connection; here workers are remote HTTP clients in any language,
 * the run must stay an ordinary row of the API (listing language, ownership, event log in the
 * same transaction), and the lease must be checked on every report. What those libraries add on
 * top of SKIP LOCKED (their schedulers, their job tables) would sit beside this table, not replace it.
 */
import type { Principal } from '../auth/principal';
import { currentRequestId } from '../core/context';
import { HttpError, notFound } from '../core/errors';
import type { Db } from '../resources/descriptor';
import type { ClaimInput, CompleteInput, FailInput, HeartbeatInput } from '../models/run.model';
import { FINAL_STATUSES } from '../models/run.model';
import { recordRunEvents } from '../telemetry/metrics';
import { statementsIn, type Statements } from './sql';

export type RunRow = Record<string, unknown> & { id: string; status: string };

export interface QueueSettings {
  /** Lease of a claim that does not ask for another length. */
  leaseMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
}

export interface ClaimedRun {
  run: RunRow;
  leaseId: string;
  algo: { id: string; name: string; version: string };
  recording: Record<string, unknown> & { id: string; hasContent: boolean };
}

export const leaseLost = (status: string): HttpError =>
  new HttpError({
    status: 409,
    type: 'lease-lost',
    title: 'Conflict',
    detail:
      status === 'RUNNING' || status === 'QUEUED'
        ? 'This lease is no longer the run’s: it expired and the run went back to the queue. Stop working on it'
        : `This lease is no longer the run’s: the run is ${status}. Stop working on it`,
    extensions: { runStatus: status },
  });

export const runFinished = (status: string): HttpError =>
  new HttpError({
    status: 409,
    type: 'run-finished',
    title: 'Conflict',
    detail: `The run has finished (${status}); only a QUEUED or RUNNING run can be cancelled`,
    extensions: { runStatus: status },
  });

const isAdmin = (p: Principal): boolean => p.role === 'ADMIN';

/** A result row without the joined columns (`algo.…`, `recording.…`) and helpers. */
function runOf(row: Record<string, unknown>): RunRow {
  return Object.fromEntries(Object.entries(row).filter(([k]) => !k.includes('.') && k !== 'previousStatus' && k !== 'heldBy')) as RunRow;
}

function prefixed(row: Record<string, unknown>, prefix: string): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row)
      .filter(([k]) => k.startsWith(`${prefix}.`))
      .map(([k, v]) => [k.slice(prefix.length + 1), v]),
  );
}

export class RunQueue {
  private readonly sql: Statements;

  constructor(
    schema: string,
    readonly settings: QueueSettings,
  ) {
    this.sql = statementsIn(schema);
  }

  /** Up to `limit` runs the worker key may take (its user's algos; an admin's: any), each with a new lease. */
  async claim(db: Db, p: Principal, input: ClaimInput): Promise<ClaimedRun[]> {
    const leaseSeconds = input.leaseSeconds ?? Math.round(this.settings.leaseMs / 1000);
    const rows = await db.$queryRawUnsafe<Array<Record<string, unknown>>>(
      this.sql.claim,
      isAdmin(p) ? null : p.userId,
      input.algos ? JSON.stringify(input.algos) : null,
      input.limit,
      p.tokenId,
      input.worker ?? null,
      leaseSeconds,
      p.userId,
      currentRequestId() ?? null,
    );
    recordRunEvents('claimed', rows.length);
    return rows.map((row) => {
      const run = runOf(row);
      const recording = prefixed(row, 'recording');
      return {
        run,
        leaseId: String(run.leaseId),
        algo: { id: String(run.algoId), ...(prefixed(row, 'algo') as { name: string; version: string }) },
        recording: { id: String(run.recordingId), ...recording, hasContent: recording.hasContent === true },
      };
    });
  }

  /** Milliseconds until the next run this claim could take becomes available (0: now); undefined when none is queued. */
  async nextAvailableIn(db: Db, p: Principal, input: ClaimInput): Promise<number | undefined> {
    const [row] = await db.$queryRawUnsafe<Array<{ ms: number | null }>>(
      this.sql.nextAvailable,
      isAdmin(p) ? null : p.userId,
      input.algos ? JSON.stringify(input.algos) : null,
    );
    return row?.ms === null || row?.ms === undefined ? undefined : Math.max(0, row.ms);
  }

  async heartbeat(db: Db, p: Principal, id: string, input: HeartbeatInput): Promise<RunRow> {
    const rows = await db.$queryRawUnsafe<RunRow[]>(
      this.sql.heartbeat,
      id,
      input.leaseId,
      p.tokenId,
      input.leaseSeconds ?? null,
      input.progress ?? null,
      input.message !== undefined,
      input.message ?? null,
    );
    return this.reported(db, p, id, rows);
  }

  async complete(db: Db, p: Principal, id: string, input: CompleteInput): Promise<RunRow> {
    const rows = await db.$queryRawUnsafe<RunRow[]>(
      this.sql.complete,
      id,
      input.leaseId,
      p.tokenId,
      input.result === undefined ? null : JSON.stringify(input.result),
      input.message !== undefined,
      input.message ?? null,
      p.userId,
      currentRequestId() ?? null,
    );
    const run = await this.reported(db, p, id, rows);
    recordRunEvents('succeeded', 1);
    return run;
  }

  /** A retryable failure with attempts left goes back to the queue after the backoff; otherwise the run is FAILED. */
  async fail(db: Db, p: Principal, id: string, input: FailInput): Promise<RunRow> {
    const error = { ...input.error, retryable: input.retryable };
    const rows = await db.$queryRawUnsafe<RunRow[]>(
      this.sql.fail,
      id,
      input.leaseId,
      p.tokenId,
      input.retryable,
      this.settings.retryBackoffMs,
      this.settings.retryBackoffMaxMs,
      JSON.stringify(error),
      p.userId,
      currentRequestId() ?? null,
    );
    const run = await this.reported(db, p, id, rows);
    recordRunEvents(run.status === 'QUEUED' ? 'retried' : 'failed', 1);
    return run;
  }

  /** The run a report changed, or why it changed none: 404 (no such run for this key) or 409 (not this lease). */
  private async reported(db: Db, p: Principal, id: string, rows: RunRow[]): Promise<RunRow> {
    const row = rows[0];
    if (row) return runOf(row);
    const target = (await db.$queryRawUnsafe<Array<{ status: string; algoOwnerId: string }>>(this.sql.reportTarget, id))[0];
    if (!target || (!isAdmin(p) && target.algoOwnerId !== p.userId)) throw notFound(`No run with id ${id}`);
    throw leaseLost(target.status);
  }

  /**
   * Cancels a QUEUED or RUNNING run the caller owns (an admin: any). The worker of a RUNNING run
   * learns it from the 409 its next report gets. A cancelled run is answered as it is (the call is
   * idempotent); a finished one is a 409. `find` reads the run as the caller may see it (404 otherwise).
   */
  async cancel(db: Db, p: Principal, id: string, find: () => Promise<Record<string, unknown>>): Promise<RunRow> {
    const rows = await db.$queryRawUnsafe<RunRow[]>(
      this.sql.cancel,
      id,
      isAdmin(p) ? null : p.userId,
      p.userId,
      currentRequestId() ?? null,
    );
    if (rows[0]) {
      recordRunEvents('cancelled', 1);
      return runOf(rows[0]);
    }
    const run = (await find()) as RunRow;
    if (run.status === 'CANCELLED') return run;
    if ((FINAL_STATUSES as readonly string[]).includes(run.status)) throw runFinished(run.status);
    throw new Error(`run ${id} is ${run.status} but could not be cancelled`);
  }

  /** Puts runs whose lease expired back in the queue (or fails them at their last attempt); returns how many. */
  async expireLeases(db: Db, batch = 500): Promise<number> {
    const rows = await db.$queryRawUnsafe<Array<{ status: string }>>(
      this.sql.expire,
      this.settings.retryBackoffMs,
      this.settings.retryBackoffMaxMs,
      batch,
    );
    recordRunEvents('expired', rows.length);
    return rows.length;
  }

  /** Whether the worker key of `p` holds a RUNNING run of this recording (then it may read its content). */
  async holdsRecording(db: Db, p: Principal, recordingId: string): Promise<boolean> {
    return (await db.$queryRawUnsafe<unknown[]>(this.sql.holdsRecording, recordingId, p.tokenId)).length > 0;
  }
}
