/**
 * The moving parts of the drain test (run-drain.test.ts): API instances as real processes that
 * can be killed and started again, and simulated workers that claim, heartbeat, complete and
 * fail runs over HTTP, that are "killed" mid-run (they drop their leases without a word, as a
 * process killed with SIGKILL would), and that note everything they were told.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startService, type Started } from '../support/process';
import { testDatabaseUrl } from '../support/app';

export const RUN_ENV = { RUNS_RETRY_BACKOFF: '200ms', RUNS_RETRY_BACKOFF_MAX: '800ms', RUNS_SWEEP_INTERVAL: '300ms' };
export const BACKOFF = { base: 200, max: 800 };
export const LEASE_SECONDS = 3;

export interface Instance {
  base: string;
  service: Started;
}

const storage = mkdtempSync(path.join(os.tmpdir(), 'backendapi-drain-'));

/** src/main.ts on the test database, as an operator starts it. */
export async function startApi(): Promise<Instance> {
  const service = await startService(
    process.execPath,
    ['--require', require.resolve('tsx/cjs'), 'src/main.ts'],
    { DATABASE_URL: testDatabaseUrl(), PORT: '0', HOST: '127.0.0.1', MIGRATE_ON_START: 'false', STORAGE_DIR: storage, ...RUN_ENV },
    60_000,
  );
  return { base: `http://127.0.0.1:${service.port}`, service };
}

export async function kill(instance: Instance, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (instance.service.child.exitCode === null && instance.service.child.signalCode === null) instance.service.child.kill(signal);
  await instance.service.exited.catch(() => undefined);
}

/** What each run is made to do, from its id (the same on every attempt and in the checks). */
export type Fate = 'complete' | 'flaky' | 'permanent' | 'fatal';
export function fateOf(runId: string): Fate {
  const h = parseInt(createHash('sha1').update(runId).digest('hex').slice(0, 8), 16) % 25;
  if (h === 0) return 'permanent'; // fails (retryable) on every attempt: FAILED at maxAttempts
  if (h === 1) return 'fatal'; // fails, not retryable: FAILED at once
  if (h <= 5) return 'flaky'; // fails (retryable) on its first attempt, then completes
  return 'complete';
}

export interface Ledger {
  /** Every lease a worker received: `${runId}#${attempt}` → how many times. */
  leases: Map<string, number>;
  /** 200s to complete, per run. */
  completed: Map<string, number>;
  /** Worker "deaths" (leases dropped) and requests that met a dead instance. */
  kills: number;
  networkErrors: number;
  statuses: Map<number, number>;
}

export const newLedger = (): Ledger => ({ leases: new Map(), completed: new Map(), kills: 0, networkErrors: 0, statuses: new Map() });

/** A small seeded generator, so that each worker's choices are repeatable. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

interface Lease {
  run: { id: string; attempts: number };
  leaseId: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface WorkerOptions {
  n: number;
  token: string;
  instances: () => Instance[];
  done: () => boolean;
  ledger: Ledger;
  /** Batches this worker drops on purpose at its start (so that kills surely happen), then 3 % at random. */
  dropFirst: number;
}

/** One worker: claims until `done()`, reporting through whichever instance is up. */
export async function runWorker(o: WorkerOptions): Promise<void> {
  const rand = random(o.n * 7919 + 1);
  let batches = 0;
  /** A request that retries on other instances while one is down; resolves with the status. */
  const send = async (path: string, body: unknown): Promise<{ status: number; body: unknown }> => {
    for (let attempt = 0; ; attempt++) {
      const live = o.instances();
      const instance = live[(o.n + attempt) % Math.max(1, live.length)];
      if (!instance) {
        await sleep(100);
        continue;
      }
      try {
        const res = await fetch(`${instance.base}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
        const text = await res.text();
        o.ledger.statuses.set(res.status, (o.ledger.statuses.get(res.status) ?? 0) + 1);
        if (res.status === 503 && attempt < 50) {
          await sleep(100);
          continue;
        }
        return { status: res.status, body: text ? JSON.parse(text) : undefined };
      } catch (err) {
        if ((err as Error).name === 'ContractViolation') throw err;
        o.ledger.networkErrors++;
        if (attempt >= 50 || o.done()) throw err;
        await sleep(50);
      }
    }
  };
  const expectOk = (r: { status: number; body: unknown }, what: string): boolean => {
    if (r.status === 200) return true;
    if (r.status === 409) return false; // the lease was lost (expired, cancelled): drop the run
    throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  };

  while (!o.done()) {
    const claim = await send('/api/v1/runs/claim', { limit: 4, waitSeconds: 1, leaseSeconds: LEASE_SECONDS, worker: `w${o.n}` }).catch(
      () => undefined,
    );
    if (!claim || claim.status === 204) continue;
    if (claim.status !== 200) throw new Error(`claim: HTTP ${claim.status} ${JSON.stringify(claim.body)}`);
    const leases = (claim.body as { data: Lease[] }).data;
    for (const l of leases) {
      const k = `${l.run.id}#${l.run.attempts}`;
      o.ledger.leases.set(k, (o.ledger.leases.get(k) ?? 0) + 1);
    }
    batches++;
    if (batches <= o.dropFirst || rand() < 0.03) {
      // Killed mid-run: these leases are never reported; they expire and the runs go back to the queue.
      o.ledger.kills++;
      continue;
    }
    for (const l of leases) {
      const at = `/api/v1/runs/${l.run.id}`;
      if (rand() < 0.5 && !expectOk(await send(`${at}/heartbeat`, { leaseId: l.leaseId, progress: 0.5 }), 'heartbeat')) continue;
      const fate = fateOf(l.run.id);
      if (fate === 'permanent' || (fate === 'flaky' && l.run.attempts === 1)) {
        expectOk(await send(`${at}/fail`, { leaseId: l.leaseId, error: { message: `${fate} failure` } }), 'fail');
      } else if (fate === 'fatal') {
        expectOk(await send(`${at}/fail`, { leaseId: l.leaseId, error: { message: 'fatal' }, retryable: false }), 'fail');
      } else {
        const result = { leaseId: l.leaseId, attempt: l.run.attempts };
        if (expectOk(await send(`${at}/complete`, { leaseId: l.leaseId, result }), 'complete')) {
          o.ledger.completed.set(l.run.id, (o.ledger.completed.get(l.run.id) ?? 0) + 1);
        }
      }
    }
  }
}
