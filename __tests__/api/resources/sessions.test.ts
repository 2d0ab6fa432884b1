import request from 'supertest';
import { startTestApp, truncateAll, type TestApp } from '../../support/app';
import { authHeader, createUser, type TestUser } from '../../support/factories';

const PROBLEM = /^application\/problem\+json/;

describe('sessions: create, read, update, delete', () => {
  let t: TestApp;
  let ada: TestUser;
  let admin: TestUser;
  beforeAll(async () => {
    t = startTestApp();
    await truncateAll(t.db);
    ada = await createUser(t.db);
    admin = await createUser(t.db, { role: 'ADMIN' });
  });
  afterAll(() => t.close());

  const body = { title: 'Overnight EEG', device: 'Cyton', startedAt: '2026-11-20T22:00:00Z', metadata: { site: 'lab-2' } };

  it('when a member POSTs a session, then 201 with Location, ETag and the object owned by the caller', async () => {
    const res = await request(t.app).post('/api/v1/sessions').set(authHeader(ada.token)).send(body);
    expect(res.status).toBe(201);
    expect(String(res.headers.location)).toBe(`/api/v1/sessions/${res.body.id}`);
    expect(String(res.headers.etag)).toMatch(/^"[\w-]+"$/);
    expect(res.body).toMatchObject({
      title: 'Overnight EEG',
      userId: ada.user.id,
      startedAt: '2026-11-20T22:00:00.000Z',
      endedAt: null,
      metadata: { site: 'lab-2' },
    });
    const stored = await t.db.prisma.session.findUnique({ where: { id: res.body.id } });
    expect(stored?.userId).toBe(ada.user.id);
    const events = await t.db.prisma.eventLog.findMany({ where: { entityId: res.body.id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'session.created',
      entityType: 'session',
      actorId: ada.user.id,
      requestId: res.headers['x-request-id'],
    });
  });

  it('when GET by id, then the object itself with the same ETag; If-None-Match gives 304', async () => {
    const created = await request(t.app).post('/api/v1/sessions').set(authHeader(ada.token)).send(body);
    const res = await request(t.app).get(String(created.headers.location)).set(authHeader(ada.token));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(created.body);
    expect(String(res.headers.etag)).toBe(String(created.headers.etag));
    const again = await request(t.app)
      .get(String(created.headers.location))
      .set(authHeader(ada.token))
      .set('If-None-Match', String(res.headers.etag));
    expect(again.status).toBe(304);
  });

  it('when PATCH with a fresh If-Match, then 200 and one updated event with before/after of the changed fields', async () => {
    const created = await request(t.app).post('/api/v1/sessions').set(authHeader(ada.token)).send(body);
    const res = await request(t.app)
      .patch(String(created.headers.location))
      .set(authHeader(ada.token))
      .set('If-Match', String(created.headers.etag))
      .send({ title: 'Renamed' });
    expect(res.status).toBe(200);
    expect(res.body.title).toBe('Renamed');
    expect(String(res.headers.etag)).not.toBe(String(created.headers.etag));
    const event = await t.db.prisma.eventLog.findFirst({ where: { entityId: created.body.id, action: 'session.updated' } });
    expect(event?.changes).toEqual({ before: { title: 'Overnight EEG' }, after: { title: 'Renamed' } });
  });

  it('when PATCH or DELETE with a stale If-Match, then 412 and nothing changes', async () => {
    const created = await request(t.app).post('/api/v1/sessions').set(authHeader(ada.token)).send(body);
    await request(t.app).patch(String(created.headers.location)).set(authHeader(ada.token)).send({ notes: 'first' }).expect(200);
    const stale = await request(t.app)
      .patch(String(created.headers.location))
      .set(authHeader(ada.token))
      .set('If-Match', String(created.headers.etag))
      .send({ notes: 'second' });
    expect(stale.status).toBe(412);
    expect(stale.headers['content-type']).toMatch(PROBLEM);
    const del = await request(t.app)
      .delete(String(created.headers.location))
      .set(authHeader(ada.token))
      .set('If-Match', String(created.headers.etag));
    expect(del.status).toBe(412);
    const row = await t.db.prisma.session.findUnique({ where: { id: created.body.id } });
    expect(row?.notes).toBe('first');
  });

  it('when DELETE, then 204, the row is gone and a deleted event holds its last state', async () => {
    const created = await request(t.app).post('/api/v1/sessions').set(authHeader(ada.token)).send(body);
    const res = await request(t.app).delete(String(created.headers.location)).set(authHeader(ada.token));
    expect(res.status).toBe(204);
    expect(await t.db.prisma.session.findUnique({ where: { id: created.body.id } })).toBeNull();
    const event = await t.db.prisma.eventLog.findFirst({ where: { entityId: created.body.id, action: 'session.deleted' } });
    expect((event?.changes as { before: { title: string } }).before.title).toBe('Overnight EEG');
    expect((await request(t.app).get(String(created.headers.location)).set(authHeader(ada.token))).status).toBe(404);
  });

  it('when the body has an unknown or read-only field, then 400 names it and nothing is written', async () => {
    const before = await t.db.prisma.session.count();
    for (const extra of [
      { colour: 'red' },
      { userId: admin.user.id },
      { id: '0190f0f0-0000-7000-8000-000000000000' },
      { createdAt: '2026-01-01T00:00:00Z' },
    ]) {
      const res = await request(t.app)
        .post('/api/v1/sessions')
        .set(authHeader(ada.token))
        .send({ ...body, ...extra });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.errors)).toContain(Object.keys(extra)[0]);
    }
    expect(await t.db.prisma.session.count()).toBe(before);
  });

  it('when endedAt is before startedAt (on create or on update), then 400', async () => {
    const bad = await request(t.app)
      .post('/api/v1/sessions')
      .set(authHeader(ada.token))
      .send({ ...body, endedAt: '2026-11-20T21:00:00Z' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'body.endedAt', message: 'must not be before startedAt' }]);
    const created = await request(t.app).post('/api/v1/sessions').set(authHeader(ada.token)).send(body);
    const patch = await request(t.app)
      .patch(String(created.headers.location))
      .set(authHeader(ada.token))
      .send({ endedAt: '2026-11-19T00:00:00Z' });
    expect(patch.status).toBe(400);
  });

  it('when the id is not a UUID, then 400 names params.id; when it is unknown, then 404', async () => {
    const bad = await request(t.app).get('/api/v1/sessions/not-a-uuid').set(authHeader(ada.token));
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('params.id');
    const missing = await request(t.app).get('/api/v1/sessions/0190f0f0-0000-7000-8000-000000000000').set(authHeader(ada.token));
    expect(missing.status).toBe(404);
  });

  it('when no token is sent, then 401 with WWW-Authenticate', async () => {
    const res = await request(t.app).get('/api/v1/sessions');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('when a method is not supported, then 405 with Allow', async () => {
    const res = await request(t.app).put('/api/v1/sessions').set(authHeader(ada.token)).send({});
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, POST');
  });
});
