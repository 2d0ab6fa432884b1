/**
 * Algorithm runs as their owners see them: creation (published algos only, parameters checked
 * against the algo's JSON Schema, one or many recordings, Idempotency-Key), the listing language,
 * /recordings/{id}/runs, cancel, and what deleting recordings and algos does to runs.
 */
import request from 'supertest';
import { startTestApp, truncateAll, type TestApp } from '../support/app';
import { authHeader, createUser, type TestUser } from '../support/factories';
import { createAlgo, createRecording, startRuns } from '../support/runs';

const SCHEMA = {
  type: 'object',
  properties: { window: { type: 'integer', minimum: 1, default: 256 }, label: { type: 'string', pattern: '^[a-z]+$' } },
  additionalProperties: false,
};

describe('algorithm runs: creation, listing, cancel', () => {
  let t: TestApp;
  let admin: TestUser;
  let ada: TestUser;
  let bob: TestUser;
  const as = (u: TestUser) => ({
    get: (url: string) => request(t.app).get(url).set(authHeader(u.token)),
    post: (url: string, body?: unknown) =>
      request(t.app)
        .post(url)
        .set(authHeader(u.token))
        .send(body as object),
    patch: (url: string, body: object) => request(t.app).patch(url).set(authHeader(u.token)).send(body),
    delete: (url: string) => request(t.app).delete(url).set(authHeader(u.token)),
  });
  const events = (entityId: string) =>
    t.db.prisma.eventLog.findMany({ where: { entityId }, orderBy: { id: 'asc' }, select: { action: true, actorId: true, changes: true } });

  beforeAll(async () => {
    t = startTestApp();
    await truncateAll(t.db);
    admin = await createUser(t.db, { role: 'ADMIN' });
    ada = await createUser(t.db);
    bob = await createUser(t.db);
  });
  afterAll(() => t.close());

  it('when a member runs a published algo on its recording, then 201 with the QUEUED run, defaults filled in, and a run.created event', async () => {
    const algo = await createAlgo(t.app, bob, { parameters: SCHEMA });
    const rec = await createRecording(t.app, ada);
    const res = await as(ada)
      .post(`/api/v1/algos/${algo.id}/runs`, { recordingId: rec.id, parameters: { label: 'abc' } })
      .expect(201);
    expect(res.headers.location).toBe(`/api/v1/runs/${String(res.body.id)}`);
    expect(res.headers.etag).toBeDefined();
    expect(res.body).toMatchObject({
      algoId: algo.id,
      recordingId: rec.id,
      userId: ada.user.id,
      status: 'QUEUED',
      attempts: 0,
      maxAttempts: 3,
      parameters: { label: 'abc', window: 256 },
      workerId: null,
      result: null,
      error: null,
    });
    expect(res.body).not.toHaveProperty('leaseId');
    const got = await as(ada)
      .get(`/api/v1/runs/${String(res.body.id)}`)
      .expect(200);
    expect(got.body).toEqual(res.body);
    const log = await events(res.body.id as string);
    expect(log.map((e) => e.action)).toEqual(['run.created']);
    expect(log[0]?.actorId).toBe(ada.user.id);
  });

  it('when an array names several recordings, then one run each, all or none', async () => {
    const algo = await createAlgo(t.app, bob);
    const [a, b] = [await createRecording(t.app, ada), await createRecording(t.app, ada)];
    const created = await startRuns(t.app, ada, algo.id, [{ recordingId: a.id }, { recordingId: b.id, maxAttempts: 5 }]);
    expect(created).toHaveLength(2);
    const rows = await t.db.prisma.algoRun.findMany({ where: { algoId: algo.id }, orderBy: { createdAt: 'asc' } });
    expect(rows.map((r) => [r.recordingId, r.maxAttempts])).toEqual(
      expect.arrayContaining([
        [a.id, 3],
        [b.id, 5],
      ]),
    );

    const bad = await as(ada)
      .post(`/api/v1/algos/${algo.id}/runs`, [{ recordingId: a.id }, { recordingId: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' }])
      .expect(400);
    expect(bad.body.errors).toEqual([{ path: 'body.1.recordingId', message: 'no recording with this id that you may read' }]);
    expect(await t.db.prisma.algoRun.count({ where: { algoId: algo.id } })).toBe(2);
  });

  it('when the algo is not PUBLISHED, then 409 algo-not-runnable and no run', async () => {
    const rec = await createRecording(t.app, ada);
    for (const status of ['DRAFT', 'DEPRECATED'] as const) {
      const algo = await createAlgo(t.app, bob, { status });
      const res = await as(ada).post(`/api/v1/algos/${algo.id}/runs`, { recordingId: rec.id }).expect(409);
      expect(res.body).toMatchObject({ type: '/problems/algo-not-runnable', status: 409 });
      expect(res.body.detail).toContain(status);
    }
    expect(await t.db.prisma.algoRun.count({ where: { recordingId: rec.id } })).toBe(0);
    await as(ada).post('/api/v1/algos/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/runs', { recordingId: rec.id }).expect(404);
  });

  it('when the parameters do not satisfy the algo’s schema, then 400 naming each problem', async () => {
    const algo = await createAlgo(t.app, bob, { parameters: SCHEMA });
    const rec = await createRecording(t.app, ada);
    const res = await as(ada)
      .post(`/api/v1/algos/${algo.id}/runs`, [{ recordingId: rec.id, parameters: { window: 0, label: 'ABC', extra: true } }])
      .expect(400);
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        { path: 'body.0.parameters', message: 'must not have the property "extra"' },
        { path: 'body.0.parameters.window', message: 'must be >= 1' },
        { path: 'body.0.parameters.label', message: 'must match pattern "^[a-z]+$"' },
      ]),
    );
    await as(ada).post(`/api/v1/algos/${algo.id}/runs`, { recordingId: rec.id, parameters: [] }).expect(400);
    await as(ada).post(`/api/v1/algos/${algo.id}/runs`, { recordingId: rec.id, leaseId: 'x' }).expect(400);
  });

  it('when a member names another member’s recording, then 400 and nothing is created; an admin may, and the run is the recording owner’s', async () => {
    const algo = await createAlgo(t.app, bob);
    const adas = await createRecording(t.app, ada);
    const res = await as(bob).post(`/api/v1/algos/${algo.id}/runs`, { recordingId: adas.id }).expect(400);
    expect(res.body.errors).toEqual([{ path: 'body.recordingId', message: 'no recording with this id that you may read' }]);
    expect(await t.db.prisma.algoRun.count({ where: { recordingId: adas.id } })).toBe(0);

    const byAdmin = await as(admin).post(`/api/v1/algos/${algo.id}/runs`, { recordingId: adas.id }).expect(201);
    expect(byAdmin.body.userId).toBe(ada.user.id);
    expect((await events(byAdmin.body.id as string))[0]?.actorId).toBe(admin.user.id);
    await as(ada)
      .get(`/api/v1/runs/${String(byAdmin.body.id)}`)
      .expect(200);
    await as(bob)
      .get(`/api/v1/runs/${String(byAdmin.body.id)}`)
      .expect(404);
  });

  it('when a creation is retried with the same Idempotency-Key, then it is replayed and one run exists; another body is a 422', async () => {
    const algo = await createAlgo(t.app, bob);
    const rec = await createRecording(t.app, ada);
    const post = (body: object) => as(ada).post(`/api/v1/algos/${algo.id}/runs`, body).set('Idempotency-Key', 'run-once');
    const first = await post({ recordingId: rec.id }).expect(201);
    const again = await post({ recordingId: rec.id }).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.id).toBe(first.body.id);
    await post({ recordingId: rec.id, maxAttempts: 2 }).expect(422);
    expect(await t.db.prisma.algoRun.count({ where: { recordingId: rec.id } })).toBe(1);
  });

  it('when an algo’s parameters is not a JSON Schema the server can use, then creating or changing the algo is a 400', async () => {
    const post = (parameters: unknown) =>
      as(bob).post('/api/v1/algos', { name: `bad-${Math.random().toString(36).slice(2, 8)}`, version: '1.0.0', parameters });
    const typo = await post({ type: 'objekt' }).expect(400);
    expect(typo.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'body.parameters.type' })]));
    const minimum = await post({ type: 'object', properties: { n: { type: 'number', minimum: 'one' } } }).expect(400);
    expect(minimum.body.errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'body.parameters.properties.n.minimum', message: 'must be number' })]),
    );
    const draft = await post({ $schema: 'http://json-schema.org/draft-04/schema#' }).expect(400);
    expect(draft.body.errors[0].path).toBe('body.parameters.$schema');
    const lookahead = await post({ type: 'string', pattern: '^(?=a)' }).expect(400);
    expect(lookahead.body.errors[0]).toMatchObject({
      path: 'body.parameters',
      message: expect.stringContaining('not a usable JSON Schema'),
    });
    await post({ $ref: '#/$defs/missing' }).expect(400);
    // draft-07 and 2019-09 are accepted when named; unknown keywords are annotations
    await post({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', 'x-ui': { widget: 'slider' } }).expect(201);
    await post({ $schema: 'https://json-schema.org/draft/2019-09/schema', type: 'object' }).expect(201);

    const algo = await createAlgo(t.app, bob);
    await as(bob)
      .patch(`/api/v1/algos/${algo.id}`, { parameters: { type: 3 } })
      .expect(400);
    await as(bob).patch(`/api/v1/algos/${algo.id}`, { parameters: SCHEMA }).expect(200);
  });

  it('when a schema has a pattern that backtracks exponentially, then validating against it still answers (RE2, linear time)', async () => {
    const algo = await createAlgo(t.app, bob, {
      parameters: { type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } } },
    });
    const rec = await createRecording(t.app, ada);
    const res = await as(ada)
      .post(`/api/v1/algos/${algo.id}/runs`, { recordingId: rec.id, parameters: { s: `${'a'.repeat(5000)}!` } })
      .expect(400);
    expect(res.body.errors).toEqual([{ path: 'body.parameters.s', message: 'must match pattern "^(a+)+$"' }]);
    await as(ada)
      .post(`/api/v1/algos/${algo.id}/runs`, { recordingId: rec.id, parameters: { s: 'a'.repeat(5000) } })
      .expect(201);
  });

  it('when runs are listed, then each member sees its own, with the listing language; admins see all', async () => {
    await truncateAll(t.db);
    [admin, ada, bob] = [await createUser(t.db, { role: 'ADMIN' }), await createUser(t.db), await createUser(t.db)];
    const one = await createAlgo(t.app, bob);
    const two = await createAlgo(t.app, bob);
    const adaRecs = [await createRecording(t.app, ada), await createRecording(t.app, ada)];
    const bobRec = await createRecording(t.app, bob);
    const adaRuns = await startRuns(
      t.app,
      ada,
      one.id,
      adaRecs.map((r) => ({ recordingId: r.id })),
    );
    await startRuns(t.app, ada, two.id, { recordingId: adaRecs[0]?.id });
    await startRuns(t.app, bob, one.id, { recordingId: bobRec.id });
    await as(ada).post(`/api/v1/runs/${adaRuns[0]?.id}/cancel`).expect(200);

    const list = async (u: TestUser, query: string) => (await as(u).get(`/api/v1/runs?${query}`).expect(200)).body;
    expect((await list(ada, 'count=true')).page.total).toBe(3);
    expect((await list(bob, 'count=true')).page.total).toBe(1);
    expect((await list(admin, 'count=true')).page.total).toBe(4);
    expect((await list(ada, `algoId=${one.id}&count=true`)).page.total).toBe(2);
    expect((await list(ada, `recordingId=${adaRecs[0]?.id}&count=true`)).page.total).toBe(2);
    expect((await list(ada, 'status=CANCELLED')).data.map((r: { id: string }) => r.id)).toEqual([adaRuns[0]?.id]);
    expect((await list(ada, 'status[in]=QUEUED,RUNNING&count=true')).page.total).toBe(2);
    expect((await list(admin, `userId=${bob.user.id}&count=true`)).page.total).toBe(1);
    const sorted = await list(ada, 'sort=-status&fields=status&limit=1');
    expect(sorted.data[0].status).toBe('CANCELLED');
    expect(sorted.page.nextCursor).toEqual(expect.any(String));
    const embedded = await list(ada, `include=algo,recording&algoId=${two.id}`);
    expect(embedded.data[0]).toMatchObject({ algo: { id: two.id, name: two.name }, recording: { id: adaRecs[0]?.id } });
    await as(ada).get('/api/v1/runs?leaseId=0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b').expect(400);
    await as(ada).get('/api/v1/runs?status=DONE').expect(400);

    const ofAlgo = await as(ada).get(`/api/v1/algos/${one.id}/runs?count=true`).expect(200);
    expect(ofAlgo.body.page.total).toBe(2);
    const ofRecording = await as(ada).get(`/api/v1/recordings/${adaRecs[0]?.id}/runs?sort=-createdAt`).expect(200);
    expect(ofRecording.body.data).toHaveLength(2);
    await as(bob).get(`/api/v1/recordings/${adaRecs[0]?.id}/runs`).expect(404);
    await as(admin).get(`/api/v1/recordings/${adaRecs[0]?.id}/runs`).expect(200);
  });

  it('when a queued run is cancelled, then CANCELLED with one run.cancelled event; again: 200 and no event; others: 404', async () => {
    const algo = await createAlgo(t.app, bob);
    const rec = await createRecording(t.app, ada);
    const [run] = await startRuns(t.app, ada, algo.id, { recordingId: rec.id });
    const id = run?.id as string;
    await as(bob).post(`/api/v1/runs/${id}/cancel`).expect(404);
    const res = await as(ada).post(`/api/v1/runs/${id}/cancel`).expect(200);
    expect(res.body).toMatchObject({ id, status: 'CANCELLED', finishedAt: expect.any(String) });
    expect(res.headers.etag).toBeDefined();
    await as(ada).post(`/api/v1/runs/${id}/cancel`).expect(200);
    const log = await events(id);
    expect(log.map((e) => e.action)).toEqual(['run.created', 'run.cancelled']);
    expect(log[1]?.changes).toMatchObject({ before: { status: 'QUEUED' }, after: { status: 'CANCELLED' } });
    await as(ada).post(`/api/v1/runs/${id}/cancel`, { reason: 'x' }).expect(400);
    await as(ada).get(`/api/v1/runs/${id}/cancel`).expect(405);

    await t.db.prisma.algoRun.update({ where: { id }, data: { status: 'SUCCEEDED' } });
    const finished = await as(admin).post(`/api/v1/runs/${id}/cancel`).expect(409);
    expect(finished.body).toMatchObject({ type: '/problems/run-finished', runStatus: 'SUCCEEDED' });
  });

  it('when a recording or its session is deleted, then its runs go with it, each with a run.deleted event; an algo with runs stays (409)', async () => {
    const algo = await createAlgo(t.app, bob);
    const session = await as(ada).post('/api/v1/sessions', { title: 's', startedAt: '2026-11-26T08:00:00Z' }).expect(201);
    const inSession = await createRecording(t.app, ada, { sessionId: session.body.id });
    const alone = await createRecording(t.app, ada);
    const [r1, r2] = await startRuns(t.app, ada, algo.id, [{ recordingId: inSession.id }, { recordingId: alone.id }]);
    await as(bob).delete(`/api/v1/algos/${algo.id}`).expect(409);

    await as(ada).delete(`/api/v1/recordings/${alone.id}`).expect(204);
    await as(ada)
      .delete(`/api/v1/sessions/${String(session.body.id)}?cascade=recordings`)
      .expect(204);
    for (const run of [r1, r2]) {
      expect(await t.db.prisma.algoRun.findUnique({ where: { id: run?.id as string } })).toBeNull();
      expect((await events(run?.id as string)).map((e) => e.action)).toEqual(['run.created', 'run.deleted']);
    }
    await as(bob).delete(`/api/v1/algos/${algo.id}`).expect(204);
  });
});
