import request from 'supertest';
import { generateToken } from '../../src/auth/tokens';
import { startTestApp, truncateAll, type TestApp } from '../support/app';
import { authHeader, createUser, login } from '../support/factories';

const ME = '/api/v1/auth/me';
const PASSWORD = 'correct horse battery';

describe('bearer authentication', () => {
  let t: TestApp;
  beforeAll(() => {
    t = startTestApp();
  });
  beforeEach(() => truncateAll(t.db));
  afterAll(() => t.close());

  const expect401 = (res: request.Response): void => {
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  };

  it('when no token is sent to an authenticated route, then 401 with WWW-Authenticate', async () => {
    expect401(await request(t.app).get(ME));
  });

  it.each([
    ['a Basic header', 'Basic dXNlcjpwYXNz'],
    ['Bearer without a token', 'Bearer '],
    ['a token of the wrong shape', 'Bearer not-a-token'],
    ['two tokens', `Bearer ${generateToken('API').secret} ${generateToken('API').secret}`],
  ])('when the header is malformed (%s), then 401', async (_name, header) => {
    expect401(await request(t.app).get(ME).set('Authorization', header));
  });

  it('when the token is well-formed but unknown, then 401', async () => {
    expect401(
      await request(t.app)
        .get(ME)
        .set(authHeader(generateToken('API').secret)),
    );
  });

  it('when the token has expired, then 401', async () => {
    const { token, key } = await createUser(t.db);
    await t.db.prisma.apiKey.update({ where: { id: key.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect401(await request(t.app).get(ME).set(authHeader(token)));
  });

  it('when the token was revoked, then 401', async () => {
    const { token, key } = await createUser(t.db);
    await t.db.prisma.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    expect401(await request(t.app).get(ME).set(authHeader(token)));
  });

  it('when the user is disabled, then its still-valid token is refused with 401', async () => {
    const { token } = await createUser(t.db, { disabled: true });
    expect401(await request(t.app).get(ME).set(authHeader(token)));
  });

  it('when a public route gets a bad token, then it is still a 401 (a bad credential is never ignored)', async () => {
    const res = await request(t.app)
      .post('/api/v1/auth/login')
      .set('Authorization', 'Bearer nonsense')
      .send({ email: 'a@b.c', password: 'x' });
    expect401(res);
  });

  it('when the token is valid, then /auth/me returns the user and the token, without secrets', async () => {
    const { user, token, key } = await createUser(t.db, { role: 'ADMIN', password: PASSWORD });
    const res = await request(t.app).get(ME).set(authHeader(token));
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: user.id, email: user.email, role: 'ADMIN' });
    expect(res.body.token).toMatchObject({ id: key.id, kind: 'API', prefix: key.prefix });
    expect(JSON.stringify(res.body)).not.toMatch(/passwordHash|tokenHash|scrypt\$/);
    expect(JSON.stringify(res.body)).not.toContain(token);
  });

  it('when a token is used, then lastUsedAt is recorded (at most once a minute)', async () => {
    const { token, key } = await createUser(t.db);
    await request(t.app).get(ME).set(authHeader(token)).expect(200);
    await new Promise((r) => setTimeout(r, 100)); // the write is not awaited by the request
    const first = await t.db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(first.lastUsedAt).not.toBeNull();
    await request(t.app).get(ME).set(authHeader(token)).expect(200);
    await new Promise((r) => setTimeout(r, 100));
    const second = await t.db.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(second.lastUsedAt).toEqual(first.lastUsedAt);
  });
});

describe('logout', () => {
  let t: TestApp;
  beforeAll(() => {
    t = startTestApp();
  });
  beforeEach(() => truncateAll(t.db));
  afterAll(() => t.close());

  it('when a user logs out, then that login token no longer works and others still do', async () => {
    const { user } = await createUser(t.db, { password: PASSWORD });
    const first = await login(t.app, user.email, PASSWORD);
    const second = await login(t.app, user.email, PASSWORD);
    await request(t.app).post('/api/v1/auth/logout').set(authHeader(first)).expect(204);
    await request(t.app).get(ME).set(authHeader(first)).expect(401);
    await request(t.app).get(ME).set(authHeader(second)).expect(200);
    const revoked = await t.db.prisma.eventLog.findMany({ where: { action: 'apikey.revoked', actorId: user.id } });
    expect(revoked).toHaveLength(1);
  });

  it('when logout is called without a token, then 401', async () => {
    await request(t.app).post('/api/v1/auth/logout').expect(401);
  });

  it('when logout is called with GET, then 405 with Allow', async () => {
    const res = await request(t.app).get('/api/v1/auth/logout');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });
});
