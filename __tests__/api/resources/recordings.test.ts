import request from 'supertest';
import { startTestApp, truncateAll, type TestApp } from '../../support/app';
import { authHeader, createUser, type TestUser } from '../../support/factories';

describe('recordings: bulk writes, session ownership, BigInt, nested routes', () => {
  let t: TestApp;
  let ada: TestUser;
  let bob: TestUser;
  let adaSession: string;
  let bobSession: string;
  beforeAll(async () => {
    t = startTestApp();
    await truncateAll(t.db);
    ada = await createUser(t.db);
    bob = await createUser(t.db);
    const s1 = await request(t.app)
      .post('/api/v1/sessions')
      .set(authHeader(ada.token))
      .send({ title: 'A', startedAt: '2026-11-01T10:00:00Z' });
    const s2 = await request(t.app)
      .post('/api/v1/sessions')
      .set(authHeader(bob.token))
      .send({ title: 'B', startedAt: '2026-11-01T10:00:00Z' });
    adaSession = s1.body.id;
    bobSession = s2.body.id;
  });
  afterAll(() => t.close());

  const rec = (i: number, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    name: `rec-${i}.edf`,
    modality: 'EEG',
    format: 'application/x-edf',
    sizeBytes: '9007199254740993', // beyond 2^53: must survive as a string
    ...extra,
  });

  it('when an array is POSTed, then all are created in one go with one event each, sizeBytes as strings', async () => {
    const res = await request(t.app)
      .post('/api/v1/recordings')
      .set(authHeader(ada.token))
      .send([rec(1, { sessionId: adaSession }), rec(2), rec(3, { sizeBytes: 42 })]);
    expect(res.status).toBe(201);
    expect(res.body.data).toHaveLength(3);
    expect(res.body.data[0].sizeBytes).toBe('9007199254740993');
    expect(res.body.data[2].sizeBytes).toBe('42');
    const ids = res.body.data.map((r: { id: string }) => r.id);
    expect(await t.db.prisma.eventLog.count({ where: { entityId: { in: ids }, action: 'recording.created' } })).toBe(3);
  });

  it('when one item of a bulk POST is invalid, then 400 names its index and nothing is written', async () => {
    const before = await t.db.prisma.recording.count();
    const events = await t.db.prisma.eventLog.count();
    const res = await request(t.app)
      .post('/api/v1/recordings')
      .set(authHeader(ada.token))
      .send([rec(4), rec(5, { modality: 'SMELL' }), rec(6)]);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('body.1.modality');
    expect(await t.db.prisma.recording.count()).toBe(before);
    expect(await t.db.prisma.eventLog.count()).toBe(events);
  });

  it('when one item of a bulk POST breaks a rule checked in the database, then nothing is written', async () => {
    const before = await t.db.prisma.recording.count();
    const res = await request(t.app)
      .post('/api/v1/recordings')
      .set(authHeader(ada.token))
      .send([rec(7, { sessionId: adaSession }), rec(8, { sessionId: bobSession })]);
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'body.1.sessionId', message: expect.stringContaining('no session') }]);
    expect(await t.db.prisma.recording.count()).toBe(before);
  });

  it('when more than 1000 items are POSTed, then 400', async () => {
    const res = await request(t.app)
      .post('/api/v1/recordings')
      .set(authHeader(ada.token))
      .send(Array.from({ length: 1001 }, (_, i) => rec(i)));
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(/1000/);
  });

  it('when a recording names another owner’s session, then 400 that does not reveal whether it exists', async () => {
    const res = await request(t.app)
      .post('/api/v1/recordings')
      .set(authHeader(ada.token))
      .send(rec(9, { sessionId: bobSession }));
    const missing = await request(t.app)
      .post('/api/v1/recordings')
      .set(authHeader(ada.token))
      .send(rec(9, { sessionId: '0190f0f0-0000-7000-8000-000000000000' }));
    expect(res.status).toBe(400);
    expect(missing.status).toBe(400);
    expect(res.body.errors).toEqual(missing.body.errors);
  });

  it('when sizeBytes is not an integer, then 400', async () => {
    for (const sizeBytes of ['12.5', 'lots', 1.5, -1, '99999999999999999999']) {
      const res = await request(t.app).post('/api/v1/recordings').set(authHeader(ada.token)).send(rec(10, { sizeBytes }));
      expect(res.status).toBe(400);
    }
  });

  it('/sessions/{id}/recordings lists and creates the session’s recordings; another owner’s session is 404', async () => {
    const created = await request(t.app)
      .post(`/api/v1/sessions/${adaSession}/recordings`)
      .set(authHeader(ada.token))
      .send([rec(11), rec(12)]);
    expect(created.status).toBe(201);
    expect(created.body.data.every((r: { sessionId: string }) => r.sessionId === adaSession)).toBe(true);
    const list = await request(t.app).get(`/api/v1/sessions/${adaSession}/recordings?sort=name`).set(authHeader(ada.token));
    expect(list.status).toBe(200);
    expect(list.body.data.map((r: { name: string }) => r.name)).toEqual(['rec-1.edf', 'rec-11.edf', 'rec-12.edf']);
    expect((await request(t.app).get(`/api/v1/sessions/${bobSession}/recordings`).set(authHeader(ada.token))).status).toBe(404);
    expect((await request(t.app).post(`/api/v1/sessions/${bobSession}/recordings`).set(authHeader(ada.token)).send(rec(13))).status).toBe(
      404,
    );
    const mismatch = await request(t.app)
      .post(`/api/v1/sessions/${adaSession}/recordings`)
      .set(authHeader(ada.token))
      .send(rec(14, { sessionId: bobSession }));
    expect(mismatch.status).toBe(400);
  });

  it('when a session with recordings is deleted, then 409 unless ?cascade=recordings, which removes and audits them', async () => {
    const s = await request(t.app)
      .post('/api/v1/sessions')
      .set(authHeader(ada.token))
      .send({ title: 'C', startedAt: '2026-11-02T10:00:00Z' });
    const r = await request(t.app)
      .post(`/api/v1/sessions/${s.body.id}/recordings`)
      .set(authHeader(ada.token))
      .send([rec(20), rec(21)]);
    const refused = await request(t.app).delete(`/api/v1/sessions/${s.body.id}`).set(authHeader(ada.token));
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/cascade=recordings/);
    expect((await request(t.app).delete(`/api/v1/sessions/${s.body.id}?cascade=everything`).set(authHeader(ada.token))).status).toBe(400);
    const ok = await request(t.app).delete(`/api/v1/sessions/${s.body.id}?cascade=recordings`).set(authHeader(ada.token));
    expect(ok.status).toBe(204);
    const ids = r.body.data.map((x: { id: string }) => x.id);
    expect(await t.db.prisma.recording.count({ where: { id: { in: ids } } })).toBe(0);
    expect(await t.db.prisma.eventLog.count({ where: { entityId: { in: ids }, action: 'recording.deleted' } })).toBe(2);
  });

  it('include=session and include=user embed the related objects, without secrets', async () => {
    const res = await request(t.app)
      .get('/api/v1/recordings?include=session&sessionId=' + adaSession)
      .set(authHeader(ada.token));
    expect(res.status).toBe(200);
    expect(res.body.data.length).toBeGreaterThan(0);
    expect(res.body.data.every((r: { session: { id: string } }) => r.session.id === adaSession)).toBe(true);
    const user = await request(t.app).get('/api/v1/recordings?include=user&limit=1').set(authHeader(ada.token));
    expect(user.body.data[0].user.id).toBe(ada.user.id);
    expect(user.body.data[0].user.passwordHash).toBeUndefined();
  });
});
