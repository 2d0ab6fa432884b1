/**
 * Draining the run queue under failure: 8 workers (two worker keys) drain 2,000 runs through two
 * API instances (real processes of src/main.ts) that are killed with SIGKILL and started again
 * while the workers run; workers are "killed" mid-run (they drop leases unreported), some runs
 * fail for a while or for good, and some are cancelled while queued or running. Afterwards, from
 * the database and the event log:
 * - every run is in a final state, and its events are one well-formed history: created, then per
 *   attempt a claim followed by exactly one outcome, the last one final and matching the run;
 * - no run was claimed after it finished, no attempt was handed to two workers, no run was
 *   completed twice, and a SUCCEEDED run's result comes from the lease that finished it;
 * - attempts never exceed maxAttempts, every requeue waited exactly the configured backoff,
 *   and no run was claimed again before its backoff ended.
 */
import request from 'supertest';
import { startTestApp, truncateAll, type TestApp } from '../support/app';
import { authHeader, createUser } from '../support/factories';
import { createAlgo, workerKey } from '../support/runs';
import { BACKOFF, fateOf, kill, newLedger, runWorker, startApi, type Instance } from './run-fleet';

const RUNS = 2000;
const WORKERS = 8;
/** A hang guard: on a quiet machine the queue drains in about a minute. */
const DRAIN_MS = 300_000;

interface Event {
  action: string;
  entityId: string;
  occurredAt: Date;
  changes: { after?: { status?: string; attempts?: number; availableAt?: string } } | null;
}

describe('draining 2,000 runs while instances restart and workers die', () => {
  let t: TestApp;
  const instances: Instance[] = [];
  afterAll(async () => {
    for (const i of instances) await kill(i, 'SIGTERM');
    await t?.close();
  });

  it('when the queue is drained under failure, then every run ends exactly once, as configured, and the event log says so', async () => {
    t = startTestApp();
    await truncateAll(t.db);
    const owner = await createUser(t.db);
    const member = await createUser(t.db);
    const keys = [await workerKey(t.db, owner), await workerKey(t.db, owner)];
    const algo = await createAlgo(t.app, owner);
    const runIds: string[] = [];
    for (let made = 0; made < RUNS; made += 1000) {
      const recs = await request(t.app)
        .post('/api/v1/recordings')
        .set(authHeader(member.token))
        .send(Array.from({ length: 1000 }, (_, i) => ({ name: `r${made + i}`, modality: 'EEG', format: 'application/x-edf' })))
        .expect(201);
      const runs = await request(t.app)
        .post(`/api/v1/algos/${algo.id}/runs`)
        .set(authHeader(member.token))
        .send(recs.body.data.map((r: { id: string }) => ({ recordingId: r.id })))
        .expect(201);
      runIds.push(...runs.body.data.map((r: { id: string }) => r.id));
    }

    instances.push(...(await Promise.all([startApi(), startApi()])));
    const live = new Set(instances);
    let finished = false;
    const ledger = newLedger();
    const workers = Array.from({ length: WORKERS }, (_, n) =>
      runWorker({
        n,
        token: (keys[n % 2] as { token: string }).token,
        instances: () => [...live],
        done: () => finished,
        ledger,
        dropFirst: n < 2 ? 2 : 0,
      }),
    );

    // Instances die (SIGKILL) and come back, one at a time, while the workers drain.
    let restarts = 0;
    const restarter = (async () => {
      while (!finished && restarts < 4) {
        await new Promise((r) => setTimeout(r, 4_000));
        if (finished) break;
        const victim = [...live][restarts % 2] ?? [...live][0];
        if (!victim) continue;
        live.delete(victim);
        await kill(victim);
        const fresh = await startApi();
        instances.push(fresh);
        live.add(fresh);
        restarts++;
      }
    })();
    // Owners cancel some runs meanwhile (queued or running).
    const cancelled = new Set<string>();
    const canceller = (async () => {
      for (let i = 0; i < 20 && !finished; i++) {
        await new Promise((r) => setTimeout(r, 500));
        const id = runIds[(i * 97) % RUNS] as string;
        const res = await request(t.app).post(`/api/v1/runs/${id}/cancel`).set(authHeader(member.token));
        expect([200, 409]).toContain(res.status);
        if (res.status === 200 && res.body.status === 'CANCELLED') cancelled.add(id);
      }
    })();

    const deadline = Date.now() + DRAIN_MS;
    let open = RUNS;
    while (open > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      open = await t.db.prisma.algoRun.count({ where: { status: { in: ['QUEUED', 'RUNNING'] } } });
    }
    finished = true;
    await Promise.all([...workers, restarter, canceller]);
    expect({ open, restarts }).toEqual({ open: 0, restarts: expect.any(Number) });
    expect(restarts).toBeGreaterThanOrEqual(2);
    expect(ledger.kills).toBeGreaterThanOrEqual(4);

    const runs = await t.db.prisma.algoRun.findMany({ where: { algoId: algo.id } });
    expect(runs).toHaveLength(RUNS);
    const events = (await t.db.prisma.eventLog.findMany({
      where: { entityType: 'run' },
      orderBy: { id: 'asc' },
      select: { action: true, entityId: true, occurredAt: true, changes: true },
    })) as Event[];
    const history = new Map<string, Event[]>();
    for (const e of events) history.set(e.entityId, [...(history.get(e.entityId) ?? []), e]);
    const claimedAttempts = new Set<string>();
    let requeues = 0;
    let expiries = 0;

    for (const run of runs) {
      const h = history.get(run.id) ?? [];
      const label = `${run.id} (${fateOf(run.id)}): ${h.map((e) => `${e.action}→${e.changes?.after?.status ?? ''}`).join(', ')}`;
      expect({ label, first: h[0]?.action }).toEqual({ label, first: 'run.created' });
      expect(['SUCCEEDED', 'FAILED', 'CANCELLED']).toContain(run.status);
      expect(run.attempts).toBeLessThanOrEqual(run.maxAttempts);
      // One well-formed history: per attempt a claim, then one outcome; the last outcome is the run's state.
      let state = 'QUEUED';
      let attempts = 0;
      let availableAt = 0;
      for (const e of h.slice(1)) {
        const after = e.changes?.after ?? {};
        if (e.action === 'run.claimed') {
          expect({ label, state }).toEqual({ label, state: 'QUEUED' });
          expect(e.occurredAt.getTime()).toBeGreaterThanOrEqual(availableAt);
          attempts++;
          expect(after.attempts).toBe(attempts);
          claimedAttempts.add(`${run.id}#${attempts}`);
          state = 'RUNNING';
        } else if (e.action === 'run.cancelled') {
          expect({ label, state: ['QUEUED', 'RUNNING'].includes(state) }).toEqual({ label, state: true });
          state = 'CANCELLED';
        } else {
          expect({ label, state }).toEqual({ label, state: 'RUNNING' });
          expect(['run.succeeded', 'run.failed', 'run.lease_expired']).toContain(e.action);
          state = after.status as string;
          if (e.action === 'run.lease_expired') expiries++;
          if (state === 'QUEUED') {
            requeues++;
            // Exactly the configured backoff, computed from the attempt it follows.
            availableAt = new Date(after.availableAt as string).getTime();
            expect(availableAt - e.occurredAt.getTime()).toBe(Math.min(BACKOFF.max, BACKOFF.base * 2 ** (attempts - 1)));
          }
        }
      }
      expect({ label, state, attempts }).toEqual({ label, state: run.status, attempts: run.attempts });
      // What the run was made to do, as far as the kills allowed.
      const fate = fateOf(run.id);
      if (run.status === 'SUCCEEDED') {
        expect(['complete', 'flaky']).toContain(fate);
        expect(run.result).toEqual({ leaseId: run.leaseId, attempt: run.attempts });
      }
      if (fate === 'permanent' && run.status === 'FAILED') expect(run.attempts).toBe(run.maxAttempts);
      if (run.status === 'CANCELLED') expect(cancelled.has(run.id)).toBe(true);
      expect(ledger.completed.get(run.id) ?? 0).toBeLessThanOrEqual(1);
    }
    // Every lease a worker got was a recorded claim, and no attempt went to two workers.
    for (const [attempt, times] of ledger.leases) {
      expect({ attempt, times, recorded: claimedAttempts.has(attempt) }).toEqual({ attempt, times: 1, recorded: true });
    }
    expect(requeues).toBeGreaterThan(0);
    expect(expiries).toBeGreaterThan(0);
    const succeeded = runs.filter((r) => r.status === 'SUCCEEDED').length;
    expect(succeeded).toBeGreaterThan(RUNS / 2);
    process.stdout.write(
      `drain: ${succeeded} succeeded, ${runs.filter((r) => r.status === 'FAILED').length} failed, ${cancelled.size} cancelled; ` +
        `${requeues} requeues (${expiries} expired leases), ${ledger.kills} worker kills, ${restarts} instance restarts, ` +
        `${ledger.networkErrors} requests met a dead instance; statuses ${JSON.stringify(Object.fromEntries(ledger.statuses))}\n`,
    );
  }, 420_000);
});
