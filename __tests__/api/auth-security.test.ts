import request from 'supertest';
import { startTestApp, truncateAll, type TestApp } from '../support/app';
import { authHeader, createUser, login } from '../support/factories';

const PASSWORD = 'correct horse battery';

describe('password change', () => {
  let t: TestApp;
  beforeAll(() => {
    t = startTestApp();
  });
  beforeEach(() => truncateAll(t.db));
  afterAll(() => t.close());

  it('when the current password is right, then 204, the new one works, other login tokens are revoked and API keys are not', async () => {
    const { user, token: apiKey } = await createUser(t.db, { password: PASSWORD });
    const current = await login(t.app, user.email, PASSWORD);
    const other = await login(t.app, user.email, PASSWORD);
    const res = await request(t.app)
      .post('/api/v1/auth/password')
      .set(authHeader(current))
      .send({ currentPassword: PASSWORD, newPassword: 'a much better passphrase' });
    expect(res.status).toBe(204);
    await request(t.app).get('/api/v1/auth/me').set(authHeader(current)).expect(200);
    await request(t.app).get('/api/v1/auth/me').set(authHeader(other)).expect(401);
    await request(t.app).get('/api/v1/auth/me').set(authHeader(apiKey)).expect(200);
    await request(t.app).post('/api/v1/auth/login').send({ email: user.email, password: PASSWORD }).expect(401);
    await login(t.app, user.email, 'a much better passphrase');
    const event = await t.db.prisma.eventLog.findFirstOrThrow({ where: { action: 'user.updated', entityId: user.id } });
    expect(event.changes).toEqual({ before: { passwordHash: '[redacted]' }, after: { passwordHash: '[redacted]' } });
  });

  it('when the current password is wrong, then 400 and nothing changes', async () => {
    const { user, token } = await createUser(t.db, { password: PASSWORD });
    const before = await t.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    const res = await request(t.app)
      .post('/api/v1/auth/password')
      .set(authHeader(token))
      .send({ currentPassword: 'not the password', newPassword: 'a much better passphrase' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'body.currentPassword', message: 'is not correct' }]);
    expect((await t.db.prisma.user.findUniqueOrThrow({ where: { id: user.id } })).passwordHash).toBe(before.passwordHash);
  });

  it('when the new password is too short, then 400 naming newPassword', async () => {
    const { token } = await createUser(t.db, { password: PASSWORD });
    const res = await request(t.app)
      .post('/api/v1/auth/password')
      .set(authHeader(token))
      .send({ currentPassword: PASSWORD, newPassword: 'short' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('body.newPassword');
  });

  it('when a stolen token is used to guess the current password, then the login limit stops it', async () => {
    const { token } = await createUser(t.db, { password: PASSWORD });
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await request(t.app)
        .post('/api/v1/auth/password')
        .set(authHeader(token))
        .send({ currentPassword: `guess number ${i}`, newPassword: 'a much better passphrase' });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10).every((s) => s === 400)).toBe(true);
    expect(statuses[10]).toBe(429);
  });
});

describe('security misconfiguration', () => {
  it('when any response is sent, then the security headers are set and X-Powered-By is not', async () => {
    const t = startTestApp();
    try {
      const res = await request(t.app).post('/api/v1/auth/login').send({});
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['content-security-policy']).toMatch(/default-src/);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    } finally {
      await t.close();
    }
  });

  it('when something fails unexpectedly in production mode, then the 500 carries no stack trace or message', async () => {
    const secret = 'PrismaClientKnownRequestError at /srv/app/src/db/secret.ts:42 password=hunter2';
    const t = startTestApp(
      { NODE_ENV: 'production' },
      {
        extraChecks: [
          () => {
            throw new Error(secret);
          },
        ],
      },
    );
    try {
      const res = await request(t.app).get('/readyz');
      expect(res.status).toBe(500);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ type: '/problems/internal-error', status: 500 });
      expect(res.text).not.toMatch(/hunter2|secret\.ts|Prisma|at \//);
      expect(res.body.stack).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('when CORS_ORIGINS lists an origin, then only that origin gets CORS headers, and never with credentials', async () => {
    const t = startTestApp({ CORS_ORIGINS: 'https://app.example.com' });
    try {
      const allowed = await request(t.app)
        .options('/api/v1/auth/login')
        .set('Origin', 'https://app.example.com')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type');
      expect(allowed.status).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
      expect(allowed.headers['access-control-allow-headers']).toMatch(/Authorization/);
      expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();

      // A browser script may read the headers the API documents for it (replays included).
      const simple = await request(t.app).get('/healthz').set('Origin', 'https://app.example.com');
      expect(simple.headers['access-control-expose-headers']?.split(',')).toEqual(
        expect.arrayContaining(['Location', 'ETag', 'Link', 'Retry-After', 'X-Request-Id', 'Idempotent-Replayed']),
      );

      const other = await request(t.app).get('/healthz').set('Origin', 'https://evil.example');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await t.close();
    }
  });

  it('when CORS_ORIGINS is not set, then no origin gets CORS headers', async () => {
    const t = startTestApp();
    try {
      const res = await request(t.app).get('/healthz').set('Origin', 'https://app.example.com');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});
