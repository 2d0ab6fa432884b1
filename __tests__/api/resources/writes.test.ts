import request from 'supertest';
import { startTestApp, truncateAll, type TestApp } from '../../support/app';
import { authHeader, createUser, type TestUser } from '../../support/factories';
import { purgeExpiredKeys, requestHash } from '../../../src/api/idempotency';

describe('idempotent POSTs and atomic audit', () => {
  let t: TestApp;
  let ada: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    t = startTestApp();
    await truncateAll(t.db);
    ada = await createUser(t.db);
    bob = await createUser(t.db);
  });
  afterAll(() => t.close());

  const session = { title: 'Idempotent', startedAt: '2026-11-03T08:00:00Z' };
  const post = (user: TestUser, key: string, body: unknown) =>
    request(t.app)
      .post('/api/v1/sessions')
      .set(authHeader(user.token))
      .set('Idempotency-Key', key)
      .send(body as object);

  it('when the same key and body are sent again, then the first response is replayed and nothing is created twice', async () => {
    const first = await post(ada, 'key-1', session);
    expect(first.status).toBe(201);
    const second = await post(ada, 'key-1', { startedAt: session.startedAt, title: session.title }); // same body, other key order
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(String(second.headers.location)).toBe(String(first.headers.location));
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(await t.db.prisma.session.count({ where: { title: 'Idempotent' } })).toBe(1);
    expect(await t.db.prisma.eventLog.count({ where: { entityId: first.body.id } })).toBe(1);
  });

  it('when the same key comes with another body, then 422', async () => {
    await post(ada, 'key-2', session).expect(201);
    const res = await post(ada, 'key-2', { ...session, title: 'Other' });
    expect(res.status).toBe(422);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
  });

  it('keys are per user: another user may use the same key', async () => {
    await post(ada, 'shared-key', session).expect(201);
    const res = await post(bob, 'shared-key', session);
    expect(res.status).toBe(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
  });

  it('when concurrent requests share a key, then exactly one creates and the others get 409 or the replay', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => post(ada, 'race-key', { ...session, title: 'Race' })));
    const statuses = results.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(results.filter((r) => r.status === 201 && !r.headers['idempotent-replayed'])).toHaveLength(1);
    expect(await t.db.prisma.session.count({ where: { title: 'Race' } })).toBe(1);
  });

  it('when the first request failed, then its key is released and a corrected retry works', async () => {
    const bad = await post(ada, 'key-3', { ...session, endedAt: '2000-01-01T00:00:00Z' });
    expect(bad.status).toBe(400);
    const retry = await post(ada, 'key-3', { ...session, endedAt: '2000-01-01T00:00:00Z' });
    expect(retry.status).toBe(400); // evaluated again, not replayed
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
  });

  it('when a key has expired, then it is swept and the same key starts a new request', async () => {
    const first = await post(ada, 'old-key', { ...session, title: 'Old' });
    expect(first.status).toBe(201);
    await t.db.prisma.idempotencyKey.updateMany({ where: { key: 'old-key' }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const again = await post(ada, 'old-key', { ...session, title: 'Old' });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(again.body.id).not.toBe(first.body.id);
    const kept = await t.db.prisma.idempotencyKey.findFirst({ where: { key: 'old-key' } });
    expect((kept?.expiresAt.getTime() ?? 0) - (kept?.createdAt.getTime() ?? 0)).toBeGreaterThanOrEqual(24 * 60 * 60 * 1000);
    await t.db.prisma.idempotencyKey.updateMany({ where: { key: 'old-key' }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await purgeExpiredKeys(t.db.prisma)).toBeGreaterThanOrEqual(1);
    expect(await t.db.prisma.idempotencyKey.count({ where: { key: 'old-key' } })).toBe(0);
  });

  it('when a claim’s request never finished, then the key is in flight (409) until the claim is 5 minutes old, then taken over', async () => {
    const body = { ...session, title: 'Crashed' };
    const claimed = new Date();
    await t.db.prisma.idempotencyKey.create({
      data: {
        key: 'crashed-key',
        userId: ada.user.id,
        method: 'POST',
        path: '/api/v1/sessions',
        requestHash: requestHash(body),
        createdAt: claimed,
        expiresAt: new Date(claimed.getTime() + 24 * 60 * 60 * 1000),
      },
    });
    expect((await post(ada, 'crashed-key', body)).status).toBe(409);
    await t.db.prisma.idempotencyKey.updateMany({
      where: { key: 'crashed-key' },
      data: { createdAt: new Date(Date.now() - 5 * 60 * 1000 - 1000) },
    });
    const res = await post(ada, 'crashed-key', body);
    expect(res.status).toBe(201);
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    const replay = await post(ada, 'crashed-key', body);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(res.body);
    expect(await t.db.prisma.session.count({ where: { title: 'Crashed' } })).toBe(1);
  });

  it('when the key is malformed, then 400 names the header', async () => {
    const res = await post(ada, 'x'.repeat(300), session);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('header.idempotency-key');
  });

  it('when the event-log write fails, then the change itself is rolled back', async () => {
    const table = `${t.db.schema}."EventLog"`;
    // A real failure of the audit insert: the database rejects every session.created row.
    await t.db.pool.query(`ALTER TABLE ${table} ADD CONSTRAINT test_reject_audit CHECK (action <> 'session.created') NOT VALID`);
    try {
      const before = await t.db.prisma.session.count();
      const res = await request(t.app)
        .post('/api/v1/sessions')
        .set(authHeader(ada.token))
        .send({ ...session, title: 'Never kept' });
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(await t.db.prisma.session.count()).toBe(before);
      expect(await t.db.prisma.session.count({ where: { title: 'Never kept' } })).toBe(0);
      const bulk = await request(t.app)
        .post('/api/v1/sessions')
        .set(authHeader(ada.token))
        .send([{ ...session, title: 'Never kept' }]);
      expect(bulk.status).toBeGreaterThanOrEqual(400);
      expect(await t.db.prisma.session.count()).toBe(before);
    } finally {
      await t.db.pool.query(`ALTER TABLE ${table} DROP CONSTRAINT test_reject_audit`);
    }
    const after = await request(t.app)
      .post('/api/v1/sessions')
      .set(authHeader(ada.token))
      .send({ ...session, title: 'Kept' });
    expect(after.status).toBe(201);
  });
});
