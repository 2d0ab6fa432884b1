/**
 * Real responses of every documented operation — successes and errors — validated against the
 * OpenAPI document: status documented, headers documented, content type and body schema. Every
 * response is checked by support/contract-hook.ts (as in every test file); this file makes sure
 * each documented operation is exercised at least once.
 */
import request from 'supertest';
import { Contract, fromSupertest } from '../support/contract';
import { currentContract } from '../support/contract-hook';
import { startTestApp, truncateAll, type TestApp } from '../support/app';
import { authHeader, createUser, type TestUser } from '../support/factories';
import { descriptors } from '../../src/resources/registry';
import { bodyWithParents, createRow, updateBody } from '../support/resource-bodies';

describe('responses conform to the OpenAPI document', () => {
  let t: TestApp;
  let admin: TestUser;
  let member: TestUser;
  const as = (user: TestUser) => ({
    get: (url: string) => request(t.app).get(url).set(authHeader(user.token)),
    post: (url: string, body?: object) => request(t.app).post(url).set(authHeader(user.token)).send(body),
    patch: (url: string, body: object) => request(t.app).patch(url).set(authHeader(user.token)).send(body),
    delete: (url: string) => request(t.app).delete(url).set(authHeader(user.token)),
  });

  beforeAll(async () => {
    t = startTestApp();
    await truncateAll(t.db);
    admin = await createUser(t.db, { role: 'ADMIN', password: 'admin password 123' });
    member = await createUser(t.db, { password: 'member password 123' });
  });
  afterAll(() => t.close());

  it('operations, health and the documentation', async () => {
    await request(t.app).get('/healthz').expect(200);
    await request(t.app).get('/readyz').expect(200);
    await request(t.app).get('/openapi.json').expect(200);
    await request(t.app).get('/docs').expect(200);
    await request(t.app).get('/').expect(200);
    await request(t.app).get('/').set('Accept', 'text/html').expect(200);
    await request(t.app).get('/problems').expect(200);
    await request(t.app).get('/problems/conflict').set('Accept', 'text/html').expect(200);
    await request(t.app).get('/problems/conflict').expect(200);
    await request(t.app).post('/healthz').expect(405);
    await request(t.app).get('/nowhere').expect(404);
    await as(admin).get('/api/v1/_schema').expect(200);
    await as(member).get('/api/v1/_schema').expect(403);
  });

  it('auth: login, me, password, logout, and their errors', async () => {
    const login = await request(t.app)
      .post('/api/v1/auth/login')
      .send({ email: member.user.email, password: 'member password 123' })
      .expect(200);
    const token = login.body.token as string;
    await request(t.app).post('/api/v1/auth/login').send({ email: member.user.email, password: 'wrong password!' }).expect(401);
    await request(t.app).post('/api/v1/auth/login').send({ email: member.user.email }).expect(400);
    await request(t.app).post('/api/v1/auth/login').set('Content-Type', 'text/plain').send('hello').expect(415);
    // Logout takes no body, but a body it is sent is checked like any other (before authentication).
    await request(t.app).post('/api/v1/auth/logout').set('Content-Type', 'text/plain').send('bye').expect(415);
    await request(t.app).get('/api/v1/auth/me').set(authHeader(token)).expect(200);
    await request(t.app).get('/api/v1/auth/me').expect(401);
    await request(t.app)
      .post('/api/v1/auth/password')
      .set(authHeader(token))
      .send({ currentPassword: 'nope nope nope', newPassword: 'x' })
      .expect(400);
    await request(t.app)
      .post('/api/v1/auth/password')
      .set(authHeader(token))
      .send({ currentPassword: 'member password 123', newPassword: 'member password 456' })
      .expect(204);
    await request(t.app).post('/api/v1/auth/logout').set(authHeader(token)).expect(204);
    await request(t.app).get('/api/v1/auth/me').set(authHeader(token)).expect(401);
  });

  it('api keys: create, list, get, revoke, and their errors', async () => {
    const key = await as(member).post('/api/v1/api-keys', { name: 'contract' }).expect(201);
    await as(member).get('/api/v1/api-keys').expect(200);
    await as(member).get('/api/v1/api-keys?all=true').expect(403);
    await as(member).get('/api/v1/api-keys?limit=0').expect(400);
    await as(member)
      .get(`/api/v1/api-keys/${String(key.body.id)}`)
      .expect(200);
    await as(member).get(`/api/v1/api-keys/${admin.key.id}`).expect(404);
    await as(member)
      .delete(`/api/v1/api-keys/${String(key.body.id)}`)
      .expect(204);
    await as(member).post('/api/v1/api-keys', { name: 'x', secret: 'no' }).expect(400);
  });

  it('sessions and recordings: bulk, listing, nested routes, conditional requests, cascade', async () => {
    const s = await as(member)
      .post('/api/v1/sessions', { title: 'Contract', startedAt: '2026-11-26T08:00:00Z', metadata: { lab: 'A' } })
      .expect(201);
    const id = String(s.body.id);
    await as(member).get(`/api/v1/sessions/${id}?include=user`).expect(200);
    await request(t.app)
      .get(`/api/v1/sessions/${id}`)
      .set(authHeader(member.token))
      .set('If-None-Match', String(s.headers.etag))
      .expect(304);
    await as(member).patch(`/api/v1/sessions/${id}`, { notes: 'changed' }).expect(200);
    await request(t.app)
      .patch(`/api/v1/sessions/${id}`)
      .set(authHeader(member.token))
      .set('If-Match', String(s.headers.etag))
      .send({ notes: 'stale' })
      .expect(412);
    await as(member).patch(`/api/v1/sessions/${id}`, { nope: 1 }).expect(400);

    const items = [1, 2, 3].map((i) => ({
      name: `r${i}`,
      modality: 'EEG',
      format: 'application/x-edf',
      sizeBytes: String(i * 1000),
      durationMs: i * 10,
    }));
    await as(member).post(`/api/v1/sessions/${id}/recordings`, items).expect(201);
    await as(member).post(`/api/v1/sessions/${id}/recordings`, { name: 'one', modality: 'ECG', format: 'text/csv' }).expect(201);
    const page = await as(member).get(`/api/v1/sessions/${id}/recordings?limit=2&sort=-durationMs&count=true&include=session`).expect(200);
    expect(page.headers.link).toContain('rel="next"');
    await as(member).get('/api/v1/recordings?fields=name,sizeBytes&status[in]=PENDING,READY&durationMs[gte]=10').expect(200);
    await as(member).get('/api/v1/recordings?status[contains]=x').expect(400);
    await as(member).get('/api/v1/sessions/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/recordings').expect(404);
    const rec = await as(member)
      .post('/api/v1/recordings', {
        sessionId: id,
        name: 'direct',
        modality: 'AUDIO',
        format: 'audio/wav',
        recordedAt: '2026-11-26T09:00:00Z',
      })
      .expect(201);
    const recId = String(rec.body.id);
    await as(member).get(`/api/v1/recordings/${recId}?include=session,user`).expect(200);
    await as(member).patch(`/api/v1/recordings/${recId}`, { status: 'READY' }).expect(200);
    await as(member).delete(`/api/v1/recordings/${recId}`).expect(204);
    await as(member).get(`/api/v1/recordings/${recId}`).expect(404);
    await as(member).get('/api/v1/recordings/not-a-uuid').expect(400);
    await request(t.app).put(`/api/v1/recordings/${recId}`).set(authHeader(member.token)).send({}).expect(405);

    await as(member).delete(`/api/v1/sessions/${id}`).expect(409);
    await as(member).get('/api/v1/sessions').expect(200);
    await as(member).delete(`/api/v1/sessions/${id}?cascade=recordings`).expect(204);
  });

  it('idempotency: a replay, a reuse with another body (422)', async () => {
    const post = (body: object) => as(member).post('/api/v1/sessions', body).set('Idempotency-Key', 'contract-key');
    await post({ title: 'Once', startedAt: '2026-11-26T08:00:00Z' }).expect(201);
    const replay = await post({ title: 'Once', startedAt: '2026-11-26T08:00:00Z' }).expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    await post({ title: 'Twice', startedAt: '2026-11-26T08:00:00Z' }).expect(422);
  });

  it('users, algos and the event log: their errors and listings (their writes: the derived test below)', async () => {
    await as(admin)
      .post('/api/v1/users', { email: 'contract-user@example.com', name: 'Contract', password: 'a long password 1' })
      .expect(201);
    await as(member).post('/api/v1/users', { email: 'x@example.com', name: 'X', password: 'a long password 1' }).expect(403);
    await as(admin).post('/api/v1/users', { email: 'contract-user@example.com', name: 'Again', password: 'a long password 1' }).expect(409);
    await as(admin).get('/api/v1/users?sort=email&email[icontains]=contract').expect(200);

    await as(member)
      .post('/api/v1/algos', { name: 'contract-algo', version: '1.0.0', parameters: { type: 'object' } })
      .expect(201);
    await as(member).post('/api/v1/algos', { name: 'contract-algo', version: '1.0.0' }).expect(409);
    await as(admin).get('/api/v1/algos?include=owner').expect(200);

    const log = await as(member).get('/api/v1/event-log?limit=5&action[startsWith]=session.').expect(200);
    await as(member)
      .get(`/api/v1/event-log/${String(log.body.data[0].id)}`)
      .expect(200);
    await as(member).post('/api/v1/event-log', {}).expect(405);
  });

  it('recording content and resumable uploads', async () => {
    const rec = await as(member).post('/api/v1/recordings', { name: 'contract-file', modality: 'OTHER', format: 'text/csv' }).expect(201);
    const content = `/api/v1/recordings/${String(rec.body.id)}/content`;
    const put = (body: string) => request(t.app).put(content).set(authHeader(member.token)).set('Content-Type', 'text/csv').send(body);
    await as(member).get(content).expect(404);
    await put('a,b\n1,2\n').expect(201);
    await put('a,b\n3,4\n').expect(200);
    await put('x').set('Repr-Digest', 'md5=:AAAA:').expect(400);
    await put('x').set('If-Match', '"stale"').expect(412);
    await as(member).get(content).expect(200);
    await as(member).get(content).set('Range', 'bytes=0-2').expect(206);
    await as(member).get(content).set('Range', 'bytes=99-').expect(416);
    await request(t.app).head(content).set(authHeader(member.token)).expect(200);
    await as(member).delete(content).expect(204);

    const TUS = { 'Tus-Resumable': '1.0.0' };
    const uploads = `/api/v1/recordings/${String(rec.body.id)}/uploads`;
    await request(t.app).options(uploads).set(authHeader(member.token)).expect(204);
    await request(t.app).post(uploads).set(authHeader(member.token)).set('Upload-Length', '3').expect(412);
    const created = await request(t.app).post(uploads).set(authHeader(member.token)).set(TUS).set('Upload-Length', '3').expect(201);
    const upload = created.headers.location as string;
    await request(t.app).head(upload).set(authHeader(member.token)).set(TUS).expect(200);
    const patch = (offset: string, body: string) =>
      request(t.app)
        .patch(upload)
        .set(authHeader(member.token))
        .set(TUS)
        .set('Upload-Offset', offset)
        .set('Content-Type', 'application/offset+octet-stream')
        .send(body);
    await patch('2', 'x').expect(409);
    await patch('0', 'ab').expect(204);
    await request(t.app).delete(upload).set(authHeader(member.token)).set(TUS).expect(204);
    await request(t.app).head(upload).set(authHeader(member.token)).set(TUS).expect(404);
    await request(t.app).put(uploads).set(authHeader(member.token)).expect(405);
  });

  it('algorithm runs and the worker protocol', async () => {
    const algo = await as(member)
      .post('/api/v1/algos', { name: 'contract-runs', version: '1.0.0', status: 'PUBLISHED', parameters: { type: 'object' } })
      .expect(201);
    const rec = await as(member).post('/api/v1/recordings', { name: 'to-run', modality: 'EEG', format: 'text/csv' }).expect(201);
    const runsOf = `/api/v1/algos/${String(algo.body.id)}/runs`;
    const one = await as(member).post(runsOf, { recordingId: rec.body.id }).expect(201);
    await as(member)
      .post(runsOf, [{ recordingId: rec.body.id }, { recordingId: rec.body.id, parameters: { a: 1 } }])
      .expect(201);
    await as(member).post(runsOf, { recordingId: rec.body.id, parameters: 'x' }).expect(400);
    await as(member).get(`${runsOf}?status=QUEUED&count=true`).expect(200);
    await as(member)
      .get(`/api/v1/recordings/${String(rec.body.id)}/runs?include=algo`)
      .expect(200);
    await as(member).get('/api/v1/runs?sort=-status').expect(200);
    await as(member)
      .get(`/api/v1/runs/${String(one.body.id)}`)
      .expect(200);
    await as(member)
      .post(`/api/v1/runs/${String(one.body.id)}/cancel`)
      .expect(200);
    await as(member)
      .post(`/api/v1/runs/${String(one.body.id)}/heartbeat`, { leaseId: one.body.id })
      .expect(403);

    const key = await as(member).post('/api/v1/api-keys', { name: 'contract worker', scope: 'WORKER' }).expect(201);
    const worker = (url: string, body?: object) =>
      request(t.app)
        .post(url)
        .set(authHeader(key.body.token as string))
        .send(body);
    const claimed = await worker('/api/v1/runs/claim', { limit: 2, leaseSeconds: 60 }).expect(200);
    const [a, b] = claimed.body.data as Array<{ run: { id: string }; leaseId: string }>;
    await worker(`/api/v1/runs/${a?.run.id}/heartbeat`, { leaseId: a?.leaseId, progress: 0.5 }).expect(200);
    await worker(`/api/v1/runs/${a?.run.id}/complete`, { leaseId: a?.leaseId, result: { ok: true } }).expect(200);
    await worker(`/api/v1/runs/${a?.run.id}/complete`, { leaseId: a?.leaseId, result: { ok: true } }).expect(409);
    await worker(`/api/v1/runs/${b?.run.id}/fail`, { leaseId: b?.leaseId, error: { message: 'no' }, retryable: false }).expect(200);
    await worker('/api/v1/runs/claim').expect(204);
    await request(t.app)
      .get('/api/v1/runs')
      .set(authHeader(key.body.token as string))
      .expect(403);
    await as(member)
      .get(`/api/v1/runs/${String(one.body.id)}/cancel`)
      .expect(405);
  });

  it('Swagger UI gets its own Content-Security-Policy; every other route keeps helmet’s', async () => {
    const docs = await request(t.app).get('/docs').expect(200);
    expect(docs.text).toContain('<base href="/docs/">');
    expect(docs.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(docs.headers['content-security-policy']).toContain("script-src 'self'");
    await request(t.app)
      .get('/docs/swagger-ui-init.js')
      .expect(200)
      .expect('Content-Type', /javascript/)
      .expect(/"swaggerUrl": "\/openapi.json"/);
    const health = await request(t.app).get('/healthz').expect(200);
    expect(health.headers['content-security-policy']).toContain('upgrade-insecure-requests');
  });

  it('the checker itself reports an undocumented field, status and header (so the checks above can fail)', async () => {
    const res = fromSupertest(await request(t.app).get('/healthz').expect(200));
    const problems = new Contract().check({
      ...res,
      body: { status: 'ok', uptimeSeconds: 1, passwordHash: 'x' },
      headers: { ...res.headers, etag: '"x"' },
    });
    expect(problems.join('\n')).toMatch(/must NOT have additional properties/);
    expect(problems.join('\n')).toMatch(/header etag is not documented/);
    expect(new Contract().check({ ...res, status: 418 }).join('\n')).toMatch(/status 418 is not documented/);
    expect(new Contract().check({ ...res, headers: { ...res.headers, 'x-request-id': undefined } }).join('\n')).toMatch(/no X-Request-Id/);
    expect(new Contract().check({ ...res, url: '/nowhere' }).join('\n')).toMatch(/undocumented path or method must be 404/);
  });

  it('every writable registered resource: create (also under its parent), read, change with If-Match, delete, from generated bodies (derived from the registry)', async () => {
    const writable = descriptors.filter((d) => !d.readOnly);
    expect(writable.map((d) => d.name)).toEqual(expect.arrayContaining(['sessions', 'recordings']));
    for (const d of writable) {
      // Members write what they own; a resource only admins create or delete is written by the admin.
      const writer = d.adminOnlyCreate ? admin : member;
      const row = await createRow(t.app, writer.token, d);
      const url = `/api/v1/${d.name}/${String(row.id)}`;
      const read = await as(writer).get(url).expect(200);
      expect(read.body).toEqual(row);
      const changed = await as(writer).patch(url, updateBody(d)).set('If-Match', String(read.headers.etag)).expect(200);
      expect(changed.headers.etag).not.toBe(read.headers.etag);
      if (d.parent) {
        const parent = descriptors.find((p) => p.name === d.parent?.resource);
        if (!parent) throw new Error(`${d.name}: no resource ${d.parent.resource}`);
        const parentRow = await createRow(t.app, writer.token, parent);
        // The path names the parent: the body leaves its foreign key out.
        const body = await bodyWithParents(t.app, writer.token, d);
        delete body[d.parent.foreignKey];
        const child = await as(writer)
          .post(`/api/v1/${parent.name}/${String(parentRow.id)}/${d.name}`, body)
          .expect(201);
        expect(child.body[d.parent.foreignKey]).toBe(parentRow.id);
      }
      // Another row is deleted: this one stays for the reads below.
      const doomed = `/api/v1/${d.name}/${String((await createRow(t.app, writer.token, d)).id)}`;
      await as(d.adminOnlyDelete ? admin : writer)
        .delete(doomed)
        .expect(204);
      await as(admin).get(doomed).expect(404);
    }
  });

  it('every registered resource: its listing, one of its rows, and its rows under a parent (derived from the registry)', async () => {
    for (const d of descriptors) {
      const page = await as(admin).get(`/api/v1/${d.name}?limit=1`).expect(200);
      const [row] = page.body.data as Array<{ id: string }>;
      expect({ resource: d.name, hasRows: row !== undefined }).toEqual({ resource: d.name, hasRows: true });
      await as(admin)
        .get(`/api/v1/${d.name}/${String(row?.id)}`)
        .expect(200);
      if (!d.parent) continue;
      const parents = await as(admin).get(`/api/v1/${d.parent.resource}?limit=1`).expect(200);
      const [parent] = parents.body.data as Array<{ id: string }>;
      await as(admin)
        .get(`/api/v1/${d.parent.resource}/${String(parent?.id)}/${d.name}`)
        .expect(200);
    }
  });

  it('every documented operation was answered with a success at least once above', () => {
    expect(currentContract().unexercised()).toEqual([]);
  });
});
