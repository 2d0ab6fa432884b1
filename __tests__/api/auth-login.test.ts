import crypto from 'node:crypto';
import request from 'supertest';
import { addressBlock, LoginLimiter, RequestLimiter } from '../../src/auth/rate-limits';
import { PASSWORD_COST_MIN, passwordCost, setPasswordCost } from '../../src/auth/passwords';
import { startTestApp, truncateAll, type TestApp } from '../support/app';
import { authHeader, createUser, login } from '../support/factories';

const LOGIN = '/api/v1/auth/login';
const PASSWORD = 'correct horse battery';

describe('login', () => {
  let t: TestApp;
  beforeAll(() => {
    t = startTestApp({ AUTH_LOGIN_TTL: '2h', BODY_LIMIT: '4kb' });
  });
  beforeEach(() => truncateAll(t.db));
  afterAll(() => t.close());

  it('when the e-mail and password are right, then 200 with a login token, its expiry and the user', async () => {
    const { user } = await createUser(t.db, { password: PASSWORD });
    const before = Date.now();
    const res = await request(t.app).post(LOGIN).send({ email: user.email.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.token).toMatch(/^bk_login_[A-Za-z0-9_-]{43}$/);
    expect(res.body.user).toEqual({
      id: user.id,
      email: user.email,
      name: user.name,
      role: 'MEMBER',
      disabledAt: null,
      createdAt: user.createdAt.toISOString(),
      updatedAt: user.updatedAt.toISOString(),
    });
    const expiresAt = new Date(res.body.expiresAt).getTime();
    expect(expiresAt - before).toBeGreaterThanOrEqual(2 * 3600_000 - 1000);
    expect(expiresAt - before).toBeLessThanOrEqual(2 * 3600_000 + 5000);
    const me = await request(t.app).get('/api/v1/auth/me').set(authHeader(res.body.token));
    expect(me.status).toBe(200);
    expect(me.body.token.kind).toBe('LOGIN');
    const stored = await t.db.prisma.apiKey.findFirstOrThrow({ where: { userId: user.id, kind: 'LOGIN' } });
    expect(stored.tokenHash).not.toContain(res.body.token);
  });

  it('when the password is wrong, then 401 and a user.login_failed event', async () => {
    const { user } = await createUser(t.db, { password: PASSWORD });
    const res = await request(t.app).post(LOGIN).send({ email: user.email, password: 'wrong password!!' });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    const events = await t.db.prisma.eventLog.findMany({ where: { action: 'user.login_failed' } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ entityType: 'user', entityId: user.id, actorId: null });
    expect(JSON.stringify(events[0]?.changes)).not.toContain('wrong password');
  });

  it('when the e-mail is unknown, then the same 401 as for a wrong password', async () => {
    const { user } = await createUser(t.db, { password: PASSWORD });
    const unknown = await request(t.app).post(LOGIN).send({ email: 'nobody@example.com', password: PASSWORD });
    const wrong = await request(t.app).post(LOGIN).send({ email: user.email, password: 'wrong password!!' });
    expect(unknown.status).toBe(401);
    expect(unknown.body.detail).toBe(wrong.body.detail);
    expect(await t.db.prisma.eventLog.count({ where: { action: 'user.login_failed', entityId: 'unknown' } })).toBe(1);
  });

  it('when the user is disabled, then the right password does not log in', async () => {
    const { user } = await createUser(t.db, { password: PASSWORD, disabled: true });
    const res = await request(t.app).post(LOGIN).send({ email: user.email, password: PASSWORD });
    expect(res.status).toBe(401);
    expect(await t.db.prisma.apiKey.count({ where: { userId: user.id, kind: 'LOGIN' } })).toBe(0);
  });

  it('when the user has no password (API keys only), then login fails', async () => {
    const { user } = await createUser(t.db);
    const res = await request(t.app).post(LOGIN).send({ email: user.email, password: PASSWORD });
    expect(res.status).toBe(401);
  });

  it('when a login succeeds, then a user.login event names the user and the new token', async () => {
    const { user } = await createUser(t.db, { password: PASSWORD });
    await login(t.app, user.email, PASSWORD);
    const token = await t.db.prisma.apiKey.findFirstOrThrow({ where: { userId: user.id, kind: 'LOGIN' } });
    const events = await t.db.prisma.eventLog.findMany({ where: { action: 'user.login' } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorId: user.id, entityType: 'user', entityId: user.id });
    expect(events[0]?.changes).toMatchObject({ after: { tokenId: token.id } });
    expect(events[0]?.requestId).toBeTruthy();
  });

  it.each([
    ['nothing', undefined],
    ['no password', { email: 'a@example.com' }],
    ['an unknown field', { email: 'a@example.com', password: PASSWORD, role: 'ADMIN' }],
    ['a number as password', { email: 'a@example.com', password: 123456789012 }],
  ])('when the login body has %s, then 400 naming the field', async (_name, body) => {
    const res = await request(t.app).post(LOGIN).send(body);
    expect(res.status).toBe(400);
    expect(res.body.errors.length).toBeGreaterThan(0);
    expect(res.body.errors[0].path).toMatch(/^body/);
  });

  it('when the body is larger than BODY_LIMIT, then 413', async () => {
    const res = await request(t.app)
      .post(LOGIN)
      .send({ email: 'a@example.com', password: 'x'.repeat(8000) });
    expect(res.status).toBe(413);
  });

  it('when the login route is called with GET, then 405', async () => {
    const res = await request(t.app).get(LOGIN);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });
});

/**
 * A failed login must not tell a known e-mail from an unknown one by its cost. Asserted on the
 * mechanism, not the clock: every failing path runs exactly the scrypt computation a wrong
 * password runs (same count, cost parameters, key and salt length). The calls are observed with
 * a spy that calls through to node:crypto; nothing is replaced. The cost is the configured one
 * (AUTH_PASSWORD_COST; the suite's is low, support/setup-env.ts), so the dummy hash must follow it.
 */
describe('login cost does not depend on the e-mail', () => {
  let t: TestApp;
  let spy: jest.SpyInstance;
  const suiteCost = passwordCost();
  beforeAll(() => {
    t = startTestApp({ AUTH_LOGIN_MAX_FAILURES: '1000' });
  });
  beforeEach(async () => {
    await truncateAll(t.db);
    spy = jest.spyOn(crypto, 'scrypt');
  });
  afterEach(() => {
    spy.mockRestore();
    setPasswordCost(suiteCost);
  });
  afterAll(() => t.close());

  /** The scrypt computations one login attempt runs, without the password and the salt's bytes. */
  const scryptCalls = async (email: string, password: string, status: number): Promise<unknown[]> => {
    spy.mockClear();
    await request(t.app).post(LOGIN).send({ email, password }).expect(status);
    return spy.mock.calls.map(([, salt, keylen, options]) => ({ saltBytes: (salt as Buffer).length, keylen, options }));
  };

  /** Every failing path, and a success, against a wrong password's work at the current cost. */
  const expectSameWork = async (): Promise<void> => {
    const { user } = await createUser(t.db, { password: PASSWORD });
    const passwordless = await createUser(t.db);
    const disabled = await createUser(t.db, { password: PASSWORD, disabled: true });
    await scryptCalls('warm-up@example.com', 'wrong password!!', 401); // the dummy hash is ready from here on

    const wrong = await scryptCalls(user.email, 'wrong password!!', 401);
    expect(wrong).toEqual([{ saltBytes: 16, keylen: 32, options: expect.objectContaining({ N: 2 ** passwordCost(), r: 8, p: 1 }) }]);
    expect(await scryptCalls('nobody@example.com', 'wrong password!!', 401)).toEqual(wrong);
    expect(await scryptCalls(passwordless.user.email, 'wrong password!!', 401)).toEqual(wrong);
    expect(await scryptCalls(disabled.user.email, PASSWORD, 401)).toEqual(wrong);
    expect(await scryptCalls(user.email, PASSWORD, 200)).toEqual(wrong); // and success costs the same
  };

  it('when the e-mail is unknown, the user has no password or is disabled, then the same scrypt work runs as for a wrong password', async () => {
    await expectSameWork();
  });

  it('when the password cost changes in a running process, then the dummy hash follows it and the paths still cost the same', async () => {
    await scryptCalls('before-the-change@example.com', 'wrong password!!', 401); // a dummy hash at the old cost exists
    setPasswordCost(suiteCost === PASSWORD_COST_MIN ? PASSWORD_COST_MIN + 1 : PASSWORD_COST_MIN);
    await expectSameWork();
  });
});

describe('login rate limit', () => {
  let t: TestApp;
  beforeAll(() => {
    // loopback: X-Forwarded-For from the test client is believed, so tests can vary the IP.
    t = startTestApp({ TRUST_PROXY: 'loopback' });
  });
  beforeEach(() => truncateAll(t.db));
  afterAll(() => t.close());

  const attempt = (email: string, password: string, ip: string) =>
    request(t.app).post(LOGIN).set('X-Forwarded-For', ip).send({ email, password });

  it('when an account had 10 failed logins, then the 11th attempt is 429 with Retry-After, even with the right password and from another IP', async () => {
    const { user } = await createUser(t.db, { password: PASSWORD });
    for (let i = 0; i < 10; i++) expect((await attempt(user.email, 'wrong password!!', `10.0.0.${i}`)).status).toBe(401);
    const res = await attempt(user.email, PASSWORD, '10.0.1.1');
    expect(res.status).toBe(429);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(14 * 60);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    // Other accounts from other addresses are not affected.
    const other = await createUser(t.db, { password: PASSWORD });
    expect((await attempt(other.user.email, PASSWORD, '10.0.2.1')).status).toBe(200);
  });

  it('when an IP had 10 failed logins, then its 11th attempt is 429, for any account', async () => {
    const { user } = await createUser(t.db, { password: PASSWORD });
    for (let i = 0; i < 10; i++) expect((await attempt(`nobody-${i}@example.com`, PASSWORD, '192.0.2.7')).status).toBe(401);
    const res = await attempt(user.email, PASSWORD, '192.0.2.7');
    expect(res.status).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect((await attempt(user.email, PASSWORD, '192.0.2.8')).status).toBe(200);
  });

  it('when the failed logins come from one IPv6 /64, then they count as one address', async () => {
    const { user } = await createUser(t.db, { password: PASSWORD });
    for (let i = 0; i < 10; i++) {
      expect((await attempt(`nobody-${i}@example.com`, PASSWORD, `2001:db8:1:2:${i.toString(16)}::${i + 1}`)).status).toBe(401);
    }
    expect((await attempt(user.email, PASSWORD, '2001:db8:1:2:ffff:ffff:ffff:ffff')).status).toBe(429);
    expect((await attempt(user.email, PASSWORD, '2001:db8:1:3::1')).status).toBe(200); // the next /64
  });

  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002::', '2001:db8:1:2::/64'],
    ['::1', '::/64'],
    ['unknown', 'unknown'],
  ])('the per-IP limit counts %s as %s', (ip, block) => {
    expect(addressBlock(ip)).toBe(block);
  });

  it('when logins succeed, then they do not count against the limit', async () => {
    const { user } = await createUser(t.db, { password: PASSWORD });
    for (let i = 0; i < 12; i++) expect((await attempt(user.email, PASSWORD, '198.51.100.1')).status).toBe(200);
    expect(await t.db.prisma.loginAttempt.count()).toBe(0);
  });

  it('when the failures are older than the window, then they no longer count', async () => {
    const { user } = await createUser(t.db, { password: PASSWORD });
    const old = new Date(Date.now() - 16 * 60_000);
    await t.db.prisma.loginAttempt.createMany({
      data: Array.from({ length: 10 }, () => ({ email: user.email, ip: '203.0.113.1', occurredAt: old })),
    });
    expect((await attempt(user.email, PASSWORD, '203.0.113.1')).status).toBe(200);
  });

  it('when many wrong guesses arrive at once, then no more than 10 are checked', async () => {
    const { user } = await createUser(t.db, { password: PASSWORD });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt(user.email, 'wrong password!!', `10.9.0.${i}`)));
    expect(results.filter((r) => r.status === 401).length).toBeLessThanOrEqual(10);
    expect(results.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(10);
  });

  it('when counters are older than their window, then the next count sweeps them away', async () => {
    const old = new Date(Date.now() - 16 * 60_000);
    await t.db.prisma.loginAttempt.createMany({ data: [{ email: 'old@example.com', ip: '203.0.113.9', occurredAt: old }] });
    await t.db.prisma.rateLimitCounter.create({ data: { key: 'token:old', windowStart: old, count: 5 } });
    await new LoginLimiter(t.db.prisma, { maxFailures: 10, windowMs: 15 * 60_000 }).reserve('new@example.com', '203.0.113.10');
    await new RequestLimiter(t.db.prisma, 100).hit('token:new');
    await new Promise((r) => setTimeout(r, 300)); // the sweep runs in the background
    expect(await t.db.prisma.loginAttempt.count({ where: { email: 'old@example.com' } })).toBe(0);
    expect(await t.db.prisma.rateLimitCounter.count({ where: { key: 'token:old' } })).toBe(0);
    expect(await t.db.prisma.loginAttempt.count({ where: { email: 'new@example.com' } })).toBe(1);
  });
});
