/**
 * The worker protocol against the real app and PostgreSQL: claims (limits, which runs a key may
 * take, algo filters, long polling, Idempotency-Key), heartbeats, complete, fail with retries and
 * backoff, lease expiry, stale reports (409) and cancel while running. The event log is checked
 * run by run.
 */
import request from 'supertest';
import { startTestApp, truncateAll, type TestApp } from '../support/app';
import { authHeader, createUser, type TestUser } from '../support/factories';
import { createAlgo, createRecording, startRuns, worker, workerKey, type Lease } from '../support/runs';
import { RunQueue } from '../../src/runs/queue';
import { sweepExpiredLeases } from '../../src/runs/sweep';

const BACKOFF_MS = 300;

describe('the worker protocol', () => {
  let t: TestApp;
  let owner: TestUser;
  let member: TestUser;
  let key: { token: string; id: string };
  let queue: RunQueue;
  const actions = async (id: string) =>
    (await t.db.prisma.eventLog.findMany({ where: { entityId: id }, orderBy: { id: 'asc' }, select: { action: true } })).map(
      (e) => e.action,
    );
  const row = (id: string) => t.db.prisma.algoRun.findUniqueOrThrow({ where: { id } });
  /** Some runs of a fresh algo of `owner` on fresh recordings of `member`. */
  async function queued(n: number, algoOptions: Parameters<typeof createAlgo>[2] = {}): Promise<{ algoId: string; ids: string[] }> {
    const algo = await createAlgo(t.app, owner, algoOptions);
    const recs = await Promise.all(Array.from({ length: n }, () => createRecording(t.app, member)));
    const runs = await startRuns(
      t.app,
      member,
      algo.id,
      recs.map((r) => ({ recordingId: r.id })),
    );
    return { algoId: algo.id, ids: runs.map((r) => r.id) };
  }
  async function claimAll(body: Record<string, unknown> = {}): Promise<Lease[]> {
    const res = await worker(t.app, key.token).claim({ limit: 50, ...body });
    if (res.status === 204) return [];
    expect(res.status).toBe(200);
    return res.body.data as Lease[];
  }

  beforeAll(async () => {
    t = startTestApp(
      { RUNS_RETRY_BACKOFF: `${BACKOFF_MS}ms`, RUNS_RETRY_BACKOFF_MAX: `${BACKOFF_MS * 2}ms` },
      {},
      { runNotifications: true },
    );
    queue = new RunQueue(t.db.schema, t.config.runs);
  });
  beforeEach(async () => {
    await truncateAll(t.db);
    owner = await createUser(t.db);
    member = await createUser(t.db);
    key = await workerKey(t.db, owner);
  });
  afterAll(() => t.close());

  it('when the queue is empty, then a claim is a 204; a key without the WORKER scope may not claim (403)', async () => {
    await worker(t.app, key.token).claim().expect(204);
    await worker(t.app, key.token).claim({ waitSeconds: 1 }).expect(204);
    const refused = await worker(t.app, owner.token).claim().expect(403);
    expect(refused.body.type).toBe('/problems/insufficient-scope');
    await worker(t.app, key.token).claim({ limit: 0 }).expect(400);
    await worker(t.app, key.token).claim({ waitSeconds: 31 }).expect(400);
    await request(t.app).get('/api/v1/runs/claim').set(authHeader(key.token)).expect(405);
  });

  it('when runs are queued, then claims take at most `limit`, each once, with a lease, and log run.claimed', async () => {
    const { ids } = await queued(3, { parameters: { type: 'object', properties: { n: { type: 'integer', default: 7 } } } });
    const first = await worker(t.app, key.token).claim({ limit: 2, worker: 'box-1/42', leaseSeconds: 120 }).expect(200);
    const leases = first.body.data as Lease[];
    expect(leases).toHaveLength(2);
    const [lease] = leases as [Lease];
    expect(lease).toMatchObject({
      leaseId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      run: { status: 'RUNNING', attempts: 1, workerId: key.id, workerName: 'box-1/42', parameters: { n: 7 } },
      algo: { name: expect.any(String), version: '1.0.0' },
      recording: { id: lease.run.recordingId, contentUrl: null, modality: 'AUDIO' },
    });
    expect(lease.run).not.toHaveProperty('leaseId');
    const stored = await row(lease.run.id);
    expect(stored.leaseId).toBe(lease.leaseId);
    expect(stored.leaseExpiresAt!.getTime() - stored.startedAt!.getTime()).toBe(120_000);
    const second = await claimAll();
    expect(second).toHaveLength(1);
    await worker(t.app, key.token).claim().expect(204);
    const claimed = [...leases, ...second].map((l) => l.run.id).sort();
    expect(claimed).toEqual([...ids].sort());
    for (const id of ids) expect(await actions(id)).toEqual(['run.created', 'run.claimed']);
  });

  it('when a key’s user owns no algo of a run, then it cannot claim it; an admin’s key can; algos can be named', async () => {
    const mine = await queued(1, { name: 'mine', version: '1.0.0' });
    const mine2 = await queued(1, { name: 'mine', version: '2.0.0' });
    const other = await createUser(t.db);
    const theirs = await createAlgo(t.app, other, { name: 'theirs' });
    const [theirRun] = await startRuns(t.app, member, theirs.id, { recordingId: (await createRecording(t.app, member)).id });

    expect((await claimAll({ algos: [{ name: 'theirs' }] })).length).toBe(0);
    const v2 = await claimAll({ algos: [{ name: 'mine', version: '2.0.0' }] });
    expect(v2.map((l) => l.run.id)).toEqual(mine2.ids);
    const rest = await claimAll();
    expect(rest.map((l) => l.run.id)).toEqual(mine.ids);

    const admin = await createUser(t.db, { role: 'ADMIN' });
    const adminKey = await workerKey(t.db, admin);
    const byAdmin = await worker(t.app, adminKey.token).claim({ limit: 10 }).expect(200);
    expect(byAdmin.body.data.map((l: Lease) => l.run.id)).toEqual([theirRun?.id]);
    // A key may not report on runs of algos it may not take: not found.
    await worker(t.app, key.token)
      .report(theirRun?.id as string, 'heartbeat', { leaseId: byAdmin.body.data[0].leaseId })
      .expect(404);
  });

  it('when a worker heartbeats, then the lease is extended and progress recorded; a wrong lease is a 409, an unknown run a 404', async () => {
    await queued(1);
    const [lease] = (await claimAll({ leaseSeconds: 30 })) as [Lease];
    const before = await row(lease.run.id);
    const beat = await worker(t.app, key.token)
      .report(lease.run.id, 'heartbeat', { leaseId: lease.leaseId, progress: 0.25, message: 'reading', leaseSeconds: 600 })
      .expect(200);
    expect(beat.body).toMatchObject({ status: 'RUNNING', progress: 0.25, progressMessage: 'reading' });
    const after = await row(lease.run.id);
    expect(after.leaseExpiresAt!.getTime() - after.heartbeatAt!.getTime()).toBe(600_000);
    expect(after.leaseExpiresAt!.getTime()).toBeGreaterThan(before.leaseExpiresAt!.getTime());
    await worker(t.app, key.token).report(lease.run.id, 'heartbeat', { leaseId: lease.leaseId, progress: 1.5 }).expect(400);
    await worker(t.app, key.token).report(lease.run.id, 'heartbeat', { leaseId: lease.leaseId, extra: 1 }).expect(400);
    const stale = await worker(t.app, key.token)
      .report(lease.run.id, 'heartbeat', { leaseId: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' })
      .expect(409);
    expect(stale.body).toMatchObject({ type: '/problems/lease-lost', runStatus: 'RUNNING' });
    await worker(t.app, key.token).report('0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', 'heartbeat', { leaseId: lease.leaseId }).expect(404);
    // Heartbeats are not transitions: no event.
    expect(await actions(lease.run.id)).toEqual(['run.created', 'run.claimed']);
  });

  it('when a worker completes, then SUCCEEDED with its result, once: the same report again is a 409', async () => {
    await queued(1);
    const [lease] = (await claimAll()) as [Lease];
    const big = { samples: 'x'.repeat(70 * 1024) };
    await worker(t.app, key.token).report(lease.run.id, 'complete', { leaseId: lease.leaseId, result: big }).expect(400);
    const done = await worker(t.app, key.token)
      .report(lease.run.id, 'complete', { leaseId: lease.leaseId, result: { rms: 0.5 }, message: 'done' })
      .expect(200);
    expect(done.body).toMatchObject({ status: 'SUCCEEDED', result: { rms: 0.5 }, progress: 1, progressMessage: 'done', attempts: 1 });
    expect(done.body.finishedAt).toEqual(expect.any(String));
    const again = await worker(t.app, key.token).report(lease.run.id, 'complete', { leaseId: lease.leaseId, result: 2 }).expect(409);
    expect(again.body.runStatus).toBe('SUCCEEDED');
    await worker(t.app, key.token)
      .report(lease.run.id, 'fail', { leaseId: lease.leaseId, error: { message: 'late' } })
      .expect(409);
    expect((await row(lease.run.id)).result).toEqual({ rms: 0.5 });
    expect(await actions(lease.run.id)).toEqual(['run.created', 'run.claimed', 'run.succeeded']);
  });

  it('when a worker fails a run retryably, then it is requeued with exponential backoff until maxAttempts, then FAILED', async () => {
    const { ids } = await queued(1);
    const id = ids[0] as string;
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [lease] = (await claimAll({ waitSeconds: 10 })) as [Lease];
      expect(lease.run).toMatchObject({ id, attempts: attempt });
      const res = await worker(t.app, key.token)
        .report(id, 'fail', { leaseId: lease.leaseId, error: { message: `boom ${attempt}`, code: 'E_IO', details: { attempt } } })
        .expect(200);
      expect(res.body.error).toEqual({ message: `boom ${attempt}`, code: 'E_IO', details: { attempt }, retryable: true });
      if (attempt < 3) {
        expect(res.body).toMatchObject({ status: 'QUEUED', workerId: null, finishedAt: null });
        // Not claimable before its backoff has passed.
        await worker(t.app, key.token).claim().expect(204);
        const event = await t.db.prisma.eventLog.findFirstOrThrow({
          where: { entityId: id, action: 'run.failed' },
          orderBy: { id: 'desc' },
        });
        const after = (event.changes as { after: { availableAt: string; status: string } }).after;
        expect(after.status).toBe('QUEUED');
        delays.push(new Date(after.availableAt).getTime() - event.occurredAt.getTime());
      } else {
        expect(res.body).toMatchObject({ status: 'FAILED', attempts: 3, finishedAt: expect.any(String) });
      }
    }
    // base × 2^(attempt − 1), capped at the maximum (2 × base here).
    expect(delays).toEqual([BACKOFF_MS, BACKOFF_MS * 2]);
    expect(await actions(id)).toEqual([
      'run.created',
      ...['run.claimed', 'run.failed', 'run.claimed', 'run.failed', 'run.claimed', 'run.failed'],
    ]);

    const { ids: other } = await queued(1);
    const [lease] = (await claimAll()) as [Lease];
    const final = await worker(t.app, key.token)
      .report(other[0] as string, 'fail', { leaseId: lease.leaseId, error: { message: 'bad input' }, retryable: false })
      .expect(200);
    expect(final.body).toMatchObject({ status: 'FAILED', attempts: 1, error: { message: 'bad input', retryable: false } });
  });

  it('when a lease expires, then the run is requeued; the stale worker’s reports are 409s and the run completes once', async () => {
    const { ids } = await queued(1);
    const id = ids[0] as string;
    const [stale] = (await claimAll({ leaseSeconds: 1 })) as [Lease];
    // The lease ends a second after the claim; the sweep (every instance runs it) requeues the run.
    for (let i = 0; i < 100 && (await sweepExpiredLeases(t.db.prisma, queue)) === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const requeued = await row(id);
    expect(requeued).toMatchObject({ status: 'QUEUED', workerId: null, attempts: 1 });
    expect(requeued.error).toMatchObject({ code: 'lease_expired' });
    await worker(t.app, key.token).report(id, 'heartbeat', { leaseId: stale.leaseId }).expect(409);

    const [fresh] = (await claimAll({ waitSeconds: 10 })) as [Lease];
    expect(fresh.run).toMatchObject({ id, attempts: 2 });
    const late = await worker(t.app, key.token).report(id, 'complete', { leaseId: stale.leaseId, result: 'stale' }).expect(409);
    expect(late.body.runStatus).toBe('RUNNING');
    await worker(t.app, key.token).report(id, 'complete', { leaseId: fresh.leaseId, result: 'fresh' }).expect(200);
    await worker(t.app, key.token).report(id, 'complete', { leaseId: stale.leaseId, result: 'stale' }).expect(409);
    expect(await row(id)).toMatchObject({ status: 'SUCCEEDED', result: 'fresh', attempts: 2 });
    expect(await actions(id)).toEqual(['run.created', 'run.claimed', 'run.lease_expired', 'run.claimed', 'run.succeeded']);
  });

  it('when the last attempt’s lease expires, then the run FAILS with a lease_expired error', async () => {
    const algo = await createAlgo(t.app, owner);
    const [run] = await startRuns(t.app, member, algo.id, { recordingId: (await createRecording(t.app, member)).id, maxAttempts: 1 });
    await claimAll({ leaseSeconds: 1 });
    for (let i = 0; i < 100 && (await sweepExpiredLeases(t.db.prisma, queue)) === 0; i++) await new Promise((r) => setTimeout(r, 100));
    const failed = await row(run?.id as string);
    expect(failed).toMatchObject({ status: 'FAILED', attempts: 1, workerId: key.id });
    expect(failed.error).toMatchObject({ code: 'lease_expired' });
    expect(failed.finishedAt).not.toBeNull();
    const event = await t.db.prisma.eventLog.findFirstOrThrow({ where: { entityId: run?.id, action: 'run.lease_expired' } });
    expect(event.actorId).toBeNull();
    expect(event.changes).toMatchObject({ before: { status: 'RUNNING', workerId: key.id }, after: { status: 'FAILED' } });
  });

  it('when a running run is cancelled, then its worker’s next heartbeat and report are 409s naming CANCELLED', async () => {
    const { ids } = await queued(1);
    const id = ids[0] as string;
    const [lease] = (await claimAll()) as [Lease];
    const cancelled = await request(t.app).post(`/api/v1/runs/${id}/cancel`).set(authHeader(member.token)).expect(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    const beat = await worker(t.app, key.token).report(id, 'heartbeat', { leaseId: lease.leaseId, progress: 0.5 }).expect(409);
    expect(beat.body).toMatchObject({ type: '/problems/lease-lost', runStatus: 'CANCELLED' });
    await worker(t.app, key.token).report(id, 'complete', { leaseId: lease.leaseId, result: 1 }).expect(409);
    expect(await row(id)).toMatchObject({ status: 'CANCELLED', result: null });
    expect(await actions(id)).toEqual(['run.created', 'run.claimed', 'run.cancelled']);
    // A sweep later does not touch it.
    await t.db.prisma.algoRun.update({ where: { id }, data: { leaseExpiresAt: new Date(Date.now() - 1000) } });
    expect(await sweepExpiredLeases(t.db.prisma, queue)).toBe(0);
  });

  it('when a claim is retried with its Idempotency-Key, then it gets the same leases and no new attempt', async () => {
    await queued(2);
    const claim = () => worker(t.app, key.token).claim({ limit: 5 }).set('Idempotency-Key', 'claim-1');
    const first = await claim().expect(200);
    const again = await claim().expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    for (const l of first.body.data as Lease[]) expect((await row(l.run.id)).attempts).toBe(1);
    // An empty claim does not keep its key: the same key claims again once there is work.
    await worker(t.app, key.token).claim().set('Idempotency-Key', 'claim-2').expect(204);
    await queued(1);
    await worker(t.app, key.token).claim().set('Idempotency-Key', 'claim-2').expect(200);
  });

  it('when a claim waits and a run is queued, then the queue’s NOTIFY wakes it and it takes the run', async () => {
    const listener = t.runs?.listener;
    if (!listener) throw new Error('this test needs the run notifications (a real PostgreSQL server)');
    const heard: string[] = [];
    listener.events.on('notification', (payload: string) => heard.push(payload));
    const wake = jest.spyOn(t.runs!.wakeups, 'wake');
    const waiting = worker(t.app, key.token).claim({ waitSeconds: 20 });
    const answered = waiting.then((res) => res);
    for (let i = 0; i < 100 && t.runs?.wakeups.waiting === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(t.runs?.wakeups.waiting).toBe(1);
    const { ids } = await queued(1);
    const res = await answered;
    expect(res.status).toBe(200);
    expect(res.body.data.map((l: Lease) => l.run.id)).toEqual(ids);
    expect(heard).toContain(t.db.schema.slice(1, -1));
    expect(wake).toHaveBeenCalled();
    wake.mockRestore();
  });

  it('when a waiting client goes away, then its claim stops waiting and takes nothing', async () => {
    const server = t.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { port } = server.address() as { port: number };
    try {
      const controller = new AbortController();
      const pending = fetch(`http://127.0.0.1:${port}/api/v1/runs/claim`, {
        method: 'POST',
        headers: { ...authHeader(key.token), 'content-type': 'application/json' },
        body: JSON.stringify({ waitSeconds: 20 }),
        signal: controller.signal,
      }).catch((err: unknown) => err);
      for (let i = 0; i < 100 && t.runs?.wakeups.waiting === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(t.runs?.wakeups.waiting).toBe(1);
      controller.abort();
      await pending;
      for (let i = 0; i < 100 && t.runs?.wakeups.waiting !== 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(t.runs?.wakeups.waiting).toBe(0);
      // Queued after the client left: the next claim gets it as its first attempt (nobody took it meanwhile).
      const { ids } = await queued(1);
      const [lease] = (await claimAll()) as [Lease];
      expect(lease.run).toMatchObject({ id: ids[0], attempts: 1 });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
