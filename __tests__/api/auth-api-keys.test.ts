import request from 'supertest';
import { startTestApp, truncateAll, type TestApp } from '../support/app';
import { authHeader, createUser } from '../support/factories';
import { insertKey, purgeLoginTokens } from '../../src/auth/api-keys';

const KEYS = '/api/v1/api-keys';
const SECRETS = /passwordHash|tokenHash/;

describe('API keys', () => {
  let t: TestApp;
  beforeAll(() => {
    t = startTestApp();
  });
  beforeEach(() => truncateAll(t.db));
  afterAll(() => t.close());

  it('when a user creates a key, then 201 shows the secret once, with Location, and the key works', async () => {
    const { user, token } = await createUser(t.db);
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const res = await request(t.app).post(KEYS).set(authHeader(token)).send({ name: 'ci', expiresAt });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/api/v1/api-keys/${res.body.id}`);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({ userId: user.id, name: 'ci', kind: 'API', expiresAt, revokedAt: null });
    expect(res.body.token).toMatch(/^bk_api_/);
    expect(res.body.prefix).toBe(res.body.token.slice(0, res.body.prefix.length));
    expect(JSON.stringify(res.body)).not.toMatch(SECRETS);

    await request(t.app).get('/api/v1/auth/me').set(authHeader(res.body.token)).expect(200);
    const read = await request(t.app)
      .get(res.headers.location as string)
      .set(authHeader(token));
    expect(read.status).toBe(200);
    expect(read.body.token).toBeUndefined();
    expect(JSON.stringify(read.body)).not.toMatch(SECRETS);

    const events = await t.db.prisma.eventLog.findMany({ where: { action: 'apikey.created', entityId: res.body.id } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorId: user.id, entityType: 'apikey' });
    expect(JSON.stringify(events[0]?.changes)).not.toContain(res.body.token);
  });

  it.each([
    ['no name', {}],
    ['an empty name', { name: ' ' }],
    ['an expiry in the past', { name: 'x', expiresAt: '2001-01-01T00:00:00Z' }],
    ['an expiry without a time zone', { name: 'x', expiresAt: '2099-01-01T00:00:00' }],
    ['a userId (mass assignment)', { name: 'x', userId: '00000000-0000-7000-8000-000000000000' }],
    ['a kind', { name: 'x', kind: 'LOGIN' }],
  ])('when the body has %s, then 400', async (_name, body) => {
    const { token } = await createUser(t.db);
    const res = await request(t.app).post(KEYS).set(authHeader(token)).send(body);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toMatch(/^body/);
  });

  it('when a user lists its keys, then it sees only its own, newest first, without secrets', async () => {
    const a = await createUser(t.db);
    const b = await createUser(t.db);
    for (const name of ['one', 'two']) await request(t.app).post(KEYS).set(authHeader(a.token)).send({ name }).expect(201);
    const res = await request(t.app).get(KEYS).set(authHeader(a.token));
    expect(res.status).toBe(200);
    expect(res.body.data.map((k: { name: string }) => k.name)).toEqual(['two', 'one', 'test key']);
    expect(res.body.data.every((k: { userId: string }) => k.userId === a.user.id)).toBe(true);
    expect(res.body.page).toEqual({ limit: 50, nextCursor: null });
    expect(JSON.stringify(res.body)).not.toMatch(SECRETS);
    expect(JSON.stringify(res.body)).not.toContain(b.token);
    expect(res.body.data.some((k: { token?: string }) => k.token)).toBe(false);
  });

  it('when the list has more than one page, then nextCursor leads to the rest', async () => {
    const { token } = await createUser(t.db);
    for (const name of ['k1', 'k2', 'k3', 'k4']) await request(t.app).post(KEYS).set(authHeader(token)).send({ name }).expect(201);
    const names: string[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await request(t.app)
        .get(KEYS)
        .query({ limit: 2, ...(cursor ? { cursor } : {}) })
        .set(authHeader(token))
        .expect(200);
      names.push(...res.body.data.map((k: { name: string }) => k.name));
      cursor = res.body.page.nextCursor;
    } while (cursor);
    expect(names).toEqual(['k4', 'k3', 'k2', 'k1', 'test key']);
  });

  it.each([['limit=0'], ['limit=1001'], ['cursor=bogus'], ['sort=name']])('when the query has %s, then 400', async (query) => {
    const { token } = await createUser(t.db);
    const res = await request(t.app).get(`${KEYS}?${query}`).set(authHeader(token));
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toMatch(/^query/);
  });

  it('when a user revokes its key, then 204, the key stops working, and apikey.revoked is recorded once', async () => {
    const { user, token } = await createUser(t.db);
    const created = await request(t.app).post(KEYS).set(authHeader(token)).send({ name: 'temp' }).expect(201);
    await request(t.app).delete(`${KEYS}/${created.body.id}`).set(authHeader(token)).expect(204);
    await request(t.app).get('/api/v1/auth/me').set(authHeader(created.body.token)).expect(401);
    await request(t.app).delete(`${KEYS}/${created.body.id}`).set(authHeader(token)).expect(204); // idempotent
    const events = await t.db.prisma.eventLog.findMany({ where: { action: 'apikey.revoked', entityId: created.body.id } });
    expect(events).toHaveLength(1);
    expect(events[0]?.actorId).toBe(user.id);
  });

  it("when member B reads or revokes member A's key, then 404 and A's key is unchanged", async () => {
    const a = await createUser(t.db);
    const b = await createUser(t.db);
    const before = await t.db.prisma.apiKey.findUniqueOrThrow({ where: { id: a.key.id } });
    const read = await request(t.app).get(`${KEYS}/${a.key.id}`).set(authHeader(b.token));
    const revoke = await request(t.app).delete(`${KEYS}/${a.key.id}`).set(authHeader(b.token));
    const missing = await request(t.app).delete(`${KEYS}/00000000-0000-7000-8000-000000000000`).set(authHeader(b.token));
    expect(read.status).toBe(404);
    expect(revoke.status).toBe(404);
    expect(revoke.body.detail).toBe(missing.body.detail); // not distinguishable from a missing key
    const after = await t.db.prisma.apiKey.findUniqueOrThrow({ where: { id: a.key.id } });
    expect(after).toEqual(before);
    await request(t.app).get('/api/v1/auth/me').set(authHeader(a.token)).expect(200);
    expect(await t.db.prisma.eventLog.count({ where: { action: 'apikey.revoked' } })).toBe(0);
  });

  it("when an admin revokes a member's key, then 204 and the key stops working", async () => {
    const admin = await createUser(t.db, { role: 'ADMIN' });
    const member = await createUser(t.db);
    await request(t.app).get(`${KEYS}/${member.key.id}`).set(authHeader(admin.token)).expect(200);
    await request(t.app).delete(`${KEYS}/${member.key.id}`).set(authHeader(admin.token)).expect(204);
    await request(t.app).get('/api/v1/auth/me').set(authHeader(member.token)).expect(401);
    const event = await t.db.prisma.eventLog.findFirstOrThrow({ where: { action: 'apikey.revoked' } });
    expect(event.actorId).toBe(admin.user.id);
  });

  it('when a member asks for every user’s keys (?all=true), then 403; an admin gets them', async () => {
    const admin = await createUser(t.db, { role: 'ADMIN' });
    const member = await createUser(t.db);
    const denied = await request(t.app).get(`${KEYS}?all=true`).set(authHeader(member.token));
    expect(denied.status).toBe(403);
    const all = await request(t.app).get(`${KEYS}?all=true`).set(authHeader(admin.token)).expect(200);
    expect(all.body.data.map((k: { userId: string }) => k.userId).sort()).toEqual([admin.user.id, member.user.id].sort());
  });

  it('when the id is not a UUID, then 400', async () => {
    const { token } = await createUser(t.db);
    const res = await request(t.app).delete(`${KEYS}/42`).set(authHeader(token));
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('params.id');
  });

  it('when PATCH is sent to a key, then 405 with Allow', async () => {
    const { token, key } = await createUser(t.db);
    const res = await request(t.app).patch(`${KEYS}/${key.id}`).set(authHeader(token)).send({ name: 'x' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, DELETE');
  });
});

describe('the general per-token limit (RATE_LIMIT_PER_MINUTE)', () => {
  it('when a token makes more requests in a minute than allowed, then 429 with Retry-After; other tokens are unaffected', async () => {
    const t = startTestApp({ RATE_LIMIT_PER_MINUTE: '3' });
    try {
      await truncateAll(t.db);
      const a = await createUser(t.db);
      const b = await createUser(t.db);
      // Counting is per calendar minute: do not straddle a boundary.
      const msLeft = 60_000 - (Date.now() % 60_000);
      if (msLeft < 3000) await new Promise((r) => setTimeout(r, msLeft + 50));
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) statuses.push((await request(t.app).get('/api/v1/auth/me').set(authHeader(a.token))).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await request(t.app).get('/api/v1/auth/me').set(authHeader(a.token));
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
      await request(t.app).get('/api/v1/auth/me').set(authHeader(b.token)).expect(200);
    } finally {
      await t.close();
    }
  });

  it('when RATE_LIMIT_PER_MINUTE is not set, then nothing is counted', async () => {
    const t = startTestApp();
    try {
      await truncateAll(t.db);
      const { token } = await createUser(t.db);
      for (let i = 0; i < 5; i++) await request(t.app).get('/api/v1/auth/me').set(authHeader(token)).expect(200);
      expect(await t.db.prisma.rateLimitCounter.count()).toBe(0);
    } finally {
      await t.close();
    }
  });
});

describe('purging login tokens', () => {
  let t: TestApp;
  beforeAll(() => {
    t = startTestApp();
  });
  beforeEach(() => truncateAll(t.db));
  afterAll(() => t.close());

  it('when login tokens ended more than a day ago, then the sweep deletes them and keeps live tokens and API keys', async () => {
    const { user } = await createUser(t.db);
    const now = new Date('2026-11-26T12:00:00Z');
    const ago = (hours: number): Date => new Date(now.getTime() - hours * 3_600_000);
    const key = async (name: string, kind: 'LOGIN' | 'API', data: { expiresAt: Date; revokedAt?: Date }): Promise<void> => {
      const { id } = await insertKey(t.db.prisma, { userId: user.id, name, kind, expiresAt: data.expiresAt });
      if (data.revokedAt) await t.db.prisma.apiKey.update({ where: { id }, data: { revokedAt: data.revokedAt } });
    };
    await key('expired two days ago', 'LOGIN', { expiresAt: ago(48) });
    await key('logged out two days ago', 'LOGIN', { expiresAt: ago(-10), revokedAt: ago(48) });
    await key('expired an hour ago', 'LOGIN', { expiresAt: ago(1) });
    await key('live', 'LOGIN', { expiresAt: ago(-1) });
    await key('api key expired two days ago', 'API', { expiresAt: ago(48) });

    expect(await purgeLoginTokens(t.db.prisma, now)).toBe(2);
    const left = await t.db.prisma.apiKey.findMany({ where: { userId: user.id }, select: { name: true }, orderBy: { name: 'asc' } });
    expect(left.map((k) => k.name)).toEqual(['api key expired two days ago', 'expired an hour ago', 'live', 'test key']);
    expect(await purgeLoginTokens(t.db.prisma, now)).toBe(0);
  });
});
