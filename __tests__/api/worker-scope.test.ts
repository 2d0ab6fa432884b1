/**
 * A WORKER-scope key may claim and report runs and read the content of the recordings of the
 * runs it holds — nothing else. Shown by calling every mounted route with such a key, by the
 * content reads, and by the token cache: the scope is part of the cached principal, and a change
 * of it (made in SQL) reaches the cache through the ApiKey trigger's NOTIFY.
 */
import type { EventEmitter } from 'node:events';
import request from 'supertest';
import { mountedRoutes } from '../../src/api/mounted-routes';
import { HttpError } from '../../src/core/errors';
import type { Invalidation } from '../../src/auth/token-cache';
import { startContentApp, type ContentApp } from '../support/content';
import { truncateAll } from '../support/app';
import { authHeader, createUser, type TestUser } from '../support/factories';
import { createAlgo, createRecording, startRuns, worker, workerKey, type Lease } from '../support/runs';

const SOME_ID = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
/** The only routes a worker key may call (besides login, which needs no token). */
const WORKER_ROUTES = [
  'POST /api/v1/runs/claim',
  'POST /api/v1/runs/:id/heartbeat',
  'POST /api/v1/runs/:id/complete',
  'POST /api/v1/runs/:id/fail',
  'GET /api/v1/recordings/:id/content',
];

function next<T>(emitter: EventEmitter, event: string, accept: (value: T) => boolean, ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${ms} ms`)), ms);
    emitter.on(event, function listener(value: T) {
      if (!accept(value)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(value);
    });
  });
}

describe('worker keys are confined to the worker routes', () => {
  let t: ContentApp;
  let owner: TestUser;
  let member: TestUser;
  let key: { token: string; id: string };

  beforeAll(async () => {
    t = startContentApp();
    await truncateAll(t.db);
    owner = await createUser(t.db);
    member = await createUser(t.db);
    key = await workerKey(t.db, owner);
  });
  afterAll(() => t.close());

  it('when a worker key calls any route of the API, then every one but the worker routes answers 403 insufficient-scope', async () => {
    const answered: Array<{ route: string; status: number; type?: string }> = [];
    for (const { path, route } of mountedRoutes(t.app)) {
      if (!path.startsWith('/api/v1')) continue;
      const methods = new Set(route.stack.filter((l) => l.method).map((l) => (l.method as string).toUpperCase()));
      for (const method of methods) {
        // The 405 fallback answers any method; it is not an operation.
        const first = route.stack.find((l) => l.method?.toUpperCase() === method);
        try {
          first?.handle({ method: 'PROPFIND' }, {}, () => undefined);
        } catch (err) {
          if (err instanceof HttpError && err.status === 405) continue;
        }
        const url = path.replace(/:[A-Za-z]+/g, SOME_ID);
        const call = request(t.app)[method.toLowerCase() as 'get'](url).set(authHeader(key.token));
        const res =
          ['POST', 'PUT', 'PATCH'].includes(method) && !url.includes('/content') && !url.includes('/uploads')
            ? await call.send({})
            : await call;
        // A HEAD answer has no body to name its problem type: its 403 says it.
        const type = method === 'HEAD' && res.status === 403 ? '/problems/insufficient-scope' : res.body?.type;
        answered.push({ route: `${method} ${path}`, status: res.status, type });
      }
    }
    expect(answered.length).toBeGreaterThan(30);
    const allowed = answered.filter((a) => a.type !== '/problems/insufficient-scope').map((a) => a.route);
    expect(allowed.sort()).toEqual([...WORKER_ROUTES, 'POST /api/v1/auth/login'].sort());
    for (const a of answered.filter((x) => x.type === '/problems/insufficient-scope')) expect(a.status).toBe(403);
    // And the refusals are what they say: the worker routes answer for themselves.
    expect(answered.find((a) => a.route === 'POST /api/v1/runs/claim')?.status).toBe(204);
    expect(answered.find((a) => a.route === 'GET /api/v1/recordings/:id/content')?.status).toBe(404);
  });

  it('when a worker holds a run, then it reads that recording’s content (ranges too), and only while it holds it', async () => {
    const algo = await createAlgo(t.app, owner);
    const held = await createRecording(t.app, member, { format: 'text/csv' });
    const other = await createRecording(t.app, member, { format: 'text/csv' });
    for (const r of [held, other]) {
      await request(t.app)
        .put(`/api/v1/recordings/${r.id}/content`)
        .set(authHeader(member.token))
        .set('Content-Type', 'text/csv')
        .send('t,v\n0,1\n')
        .expect(201);
    }
    await startRuns(t.app, member, algo.id, { recordingId: held.id });
    const content = (id: string) => request(t.app).get(`/api/v1/recordings/${id}/content`).set(authHeader(key.token));
    await content(held.id).expect(404); // queued, not held yet
    const [lease] = (await worker(t.app, key.token).claim().expect(200)).body.data as [Lease];
    expect(lease.recording.contentUrl).toBe(`/api/v1/recordings/${held.id}/content`);

    const read = await request(t.app)
      .get(lease.recording.contentUrl as string)
      .set(authHeader(key.token))
      .expect(200);
    expect(read.text).toBe('t,v\n0,1\n');
    await content(held.id).set('Range', 'bytes=0-2').expect(206);
    await request(t.app).head(`/api/v1/recordings/${held.id}/content`).set(authHeader(key.token)).expect(200);
    await content(other.id).expect(404);
    await request(t.app).get(`/api/v1/recordings/${held.id}`).set(authHeader(key.token)).expect(403);
    await request(t.app)
      .put(`/api/v1/recordings/${held.id}/content`)
      .set(authHeader(key.token))
      .set('Content-Type', 'text/csv')
      .send('x')
      .expect(403);
    await request(t.app).delete(`/api/v1/recordings/${held.id}/content`).set(authHeader(key.token)).expect(403);
    // Another worker key of the same user does not hold it.
    const second = await workerKey(t.db, owner);
    await request(t.app).get(`/api/v1/recordings/${held.id}/content`).set(authHeader(second.token)).expect(404);

    await worker(t.app, key.token).report(lease.run.id, 'complete', { leaseId: lease.leaseId, result: null }).expect(200);
    await content(held.id).expect(404);
    await request(t.app).get(`/api/v1/recordings/${held.id}/content`).set(authHeader(member.token)).expect(200);
  });

  it('when a key is created with the WORKER scope, then it says so; an unknown scope is a 400', async () => {
    const res = await request(t.app)
      .post('/api/v1/api-keys')
      .set(authHeader(owner.token))
      .send({ name: 'gpu box', scope: 'WORKER' })
      .expect(201);
    expect(res.body).toMatchObject({ scope: 'WORKER', kind: 'API' });
    await request(t.app)
      .post('/api/v1/runs/claim')
      .set(authHeader(res.body.token as string))
      .expect(204);
    const listed = await request(t.app).get('/api/v1/api-keys').set(authHeader(owner.token)).expect(200);
    expect(listed.body.data.find((k: { id: string }) => k.id === res.body.id).scope).toBe('WORKER');
    expect(listed.body.data.find((k: { id: string }) => k.id === owner.key.id).scope).toBe('FULL');
    await request(t.app).post('/api/v1/api-keys').set(authHeader(owner.token)).send({ name: 'x', scope: 'ROOT' }).expect(400);
    // A worker key cannot make keys (nor anything else: see the first test).
    await request(t.app)
      .post('/api/v1/api-keys')
      .set(authHeader(res.body.token as string))
      .send({ name: 'y' })
      .expect(403);
  });

  const realServer = process.env.TEST_DATABASE_URL ? it : it.skip;
  realServer('when a cached key’s scope is changed in SQL, then every request after the notification obeys the new scope', async () => {
    const tokens = t.tokens;
    if (!tokens) throw new Error('the token cache is on for a real server');
    if (!tokens.cache.isActive) await next<boolean>(tokens.cache.events, 'active', (v) => v);
    const user = await createUser(t.db);
    const me = () => request(t.app).get('/api/v1/auth/me').set(authHeader(user.token));
    await me().expect(200);
    const hits = tokens.cache.stats.hits;
    await me().expect(200);
    expect(tokens.cache.stats.hits).toBe(hits + 1); // answered from the cache

    const isKey = (i: Invalidation) => typeof i === 'object' && 'keyId' in i && i.keyId === user.key.id;
    let heard = next<Invalidation>(tokens.cache.events, 'invalidated', isKey);
    // Through the pool, so that this instance's own write watch does not see it: only NOTIFY can tell.
    await t.db.pool.query(`UPDATE ${t.db.schema}."ApiKey" SET scope = 'WORKER' WHERE id = $1`, [user.key.id]);
    await heard;
    expect((await me().expect(403)).body.type).toBe('/problems/insufficient-scope');
    await request(t.app).post('/api/v1/runs/claim').set(authHeader(user.token)).expect(204);

    heard = next<Invalidation>(tokens.cache.events, 'invalidated', isKey);
    await t.db.pool.query(`UPDATE ${t.db.schema}."ApiKey" SET scope = 'FULL' WHERE id = $1`, [user.key.id]);
    await heard;
    await me().expect(200);
    await request(t.app).post('/api/v1/runs/claim').set(authHeader(user.token)).expect(403);
  });
});
