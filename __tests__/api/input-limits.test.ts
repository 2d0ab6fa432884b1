/**
 * Input that PostgreSQL, Prisma or JavaScript cannot take — NUL characters, lone surrogates,
 * deep nesting, dates out of range, malformed percent-escapes — is a 400 problem naming where it
 * is, and writes nothing (each of these was a 500 before src/core/input-limits.ts).
 */
import request from 'supertest';
import { inspect, MAX_JSON_DEPTH } from '../../src/core/input-limits';
import { startTestApp, truncateAll, type TestApp } from '../support/app';
import { authHeader, createUser, type TestUser } from '../support/factories';

const SESSION = { title: 'night', startedAt: '2026-11-26T08:00:00Z' };

/** An object nested `levels` deep: {"a":{"a":…1…}}. */
const nested = (levels: number): unknown => JSON.parse('{"a":'.repeat(levels) + '1' + '}'.repeat(levels));

describe('input the database cannot store', () => {
  let t: TestApp;
  let ada: TestUser;
  beforeAll(async () => {
    t = startTestApp();
    await truncateAll(t.db);
    ada = await createUser(t.db);
  });
  afterAll(() => t.close());

  const post = (path: string, body: unknown, user = ada) =>
    request(t.app).post(`/api/v1/${path}`).set(authHeader(user.token)).set('Content-Type', 'application/json').send(JSON.stringify(body));
  const rows = async (): Promise<number> =>
    (await t.db.prisma.session.count()) + (await t.db.prisma.algo.count()) + (await t.db.prisma.recording.count());

  /** A 400 problem whose errors name `path` (and nothing was written). */
  async function expectRefused(res: request.Response, path: string, message: RegExp, before: number): Promise<void> {
    expect({ status: res.status, type: res.headers['content-type'] }).toEqual({
      status: 400,
      type: expect.stringMatching(/^application\/problem\+json/),
    });
    expect(res.body.errors).toContainEqual({ path, message: expect.stringMatching(message) });
    expect(await rows()).toBe(before);
  }

  it.each([
    ['a body string', 'sessions', { ...SESSION, title: 'a\u0000b' }, 'body.title'],
    ['a JSON value', 'sessions', { ...SESSION, metadata: { device: { serial: 'x\u0000' } } }, 'body.metadata.device.serial'],
    ['a JSON key', 'sessions', { ...SESSION, metadata: { device: { 'se\u0000rial': 1 } } }, 'body.metadata.device'],
    ['an algo parameter schema', 'algos', { name: 'nul', version: '1.0.0', parameters: { type: ['a\u0000'] } }, 'body.parameters.type.0'],
    ['an item of a bulk create', 'sessions', [SESSION, { ...SESSION, notes: '\u0000' }], 'body.1.notes'],
  ])('when %s holds a NUL character, then 400 naming it', async (_what, path, body, field) => {
    const before = await rows();
    await expectRefused(await post(path, body), field, /NUL character/, before);
  });

  it.each([
    ['a lone high surrogate in a string', { ...SESSION, title: 'a\ud800b' }, 'body.title'],
    ['a lone low surrogate at the end of a string', { ...SESSION, device: 'dev\udc00' }, 'body.device'],
    ['a lone surrogate in a JSON value', { ...SESSION, metadata: { list: ['ok', '\udbff'] } }, 'body.metadata.list.1'],
    ['swapped surrogates in a JSON key', { ...SESSION, metadata: { '\ude00\ud83d': true } }, 'body.metadata'],
  ])('when the body holds %s, then 400 naming it', async (_what, body, field) => {
    const before = await rows();
    await expectRefused(await post('sessions', body), field, /unpaired UTF-16 surrogate/, before);
  });

  it('when strings hold astral characters (valid surrogate pairs), then they are stored and read back unchanged', async () => {
    const title = 'sleep 😴 𝄞 \u{10FFFF}';
    const res = await post('sessions', { ...SESSION, title, metadata: { '🔑': '𝒳' } });
    expect(res.status).toBe(201);
    const back = await request(t.app).get(`/api/v1/sessions/${res.body.id}`).set(authHeader(ada.token));
    expect(back.body).toMatchObject({ title, metadata: { '🔑': '𝒳' } });
  });

  it(`when a body nests exactly ${MAX_JSON_DEPTH} levels (the body itself is the first), then it is stored`, async () => {
    const res = await post('sessions', { ...SESSION, metadata: nested(MAX_JSON_DEPTH - 1) });
    expect(res.status).toBe(201);
  });

  it(`when a body nests ${MAX_JSON_DEPTH + 1} levels, then 400 naming where it gets too deep`, async () => {
    const before = await rows();
    const res = await post('sessions', { ...SESSION, metadata: nested(MAX_JSON_DEPTH) });
    await expectRefused(res, `body.metadata${'.a'.repeat(MAX_JSON_DEPTH - 1)}`, /deeper than 32 levels/, before);
  });

  it.each([200, 10_000, 200_000])('when a body nests %i levels (arrays), then 400, and the server is fine', async (levels) => {
    const before = await rows();
    const text = `{"title":"deep","startedAt":"2026-11-26T08:00:00Z","metadata":{"x":${'['.repeat(levels)}${']'.repeat(levels)}}}`;
    const res = await request(t.app).post('/api/v1/sessions').set(authHeader(ada.token)).set('Content-Type', 'application/json').send(text);
    await expectRefused(res, `body.metadata.x${'.0'.repeat(MAX_JSON_DEPTH - 2)}`, /deeper than/, before);
    expect((await request(t.app).get('/healthz')).status).toBe(200);
  });

  it('when a JSON column value is larger than 64 KiB, then 400 naming it; 64 KiB itself is stored', async () => {
    const fits = { blob: 'x'.repeat(64 * 1024 - '{"blob":""}'.length) };
    expect((await post('sessions', { ...SESSION, metadata: fits })).status).toBe(201);
    const before = await rows();
    const res = await post('algos', { name: 'big', version: '1.0.0', parameters: { blob: `${fits.blob}é` } });
    await expectRefused(res, 'body.parameters', /65538 bytes as JSON; at most 65536/, before);
  });

  it('when the login e-mail holds a NUL character, then 400 before any attempt is counted or logged', async () => {
    const res = await request(t.app).post('/api/v1/auth/login').send({ email: 'a\u0000@example.com', password: 'whatever password' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual({ path: 'body.email', message: expect.stringMatching(/NUL/) });
    expect(await t.db.prisma.loginAttempt.count()).toBe(0);
    expect(await t.db.prisma.eventLog.count({ where: { action: 'user.login_failed' } })).toBe(0);
  });

  it.each([
    ['title=a%00b', 'query.title'],
    ['title[contains]=%00', 'query.title[contains]'],
    ['title[in]=a,b%00', 'query.title[in]'],
    ['device[startsWith]=x%00', 'query.device[startsWith]'],
  ])('when a filter value holds a NUL character (%s), then 400 naming the parameter', async (query, param) => {
    const res = await request(t.app).get(`/api/v1/sessions?${query}`).set(authHeader(ada.token));
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual({ path: param, message: expect.stringMatching(/NUL/) });
  });

  it('when a forged cursor carries a NUL character in a string sort key, then 400 naming the cursor', async () => {
    const cursor = Buffer.from(JSON.stringify({ s: 'title', v: ['a\u0000', '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'] })).toString(
      'base64url',
    );
    const res = await request(t.app).get(`/api/v1/sessions?sort=title&cursor=${cursor}`).set(authHeader(ada.token));
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('query.cursor');
  });
});

describe('dates outside what PostgreSQL and JavaScript both represent', () => {
  let t: TestApp;
  let ada: TestUser;
  beforeAll(async () => {
    t = startTestApp();
    await truncateAll(t.db);
    ada = await createUser(t.db);
  });
  afterAll(() => t.close());

  const post = (body: unknown) =>
    request(t.app)
      .post('/api/v1/sessions')
      .set(authHeader(ada.token))
      .send(body as object);

  it.each([
    ['0000-01-01T00:00:00Z', 'year 0000'],
    ['0001-01-01T00:00:00+00:01', 'an offset that moves it before year 1'],
    ['9999-12-31T23:59:59-00:01', 'an offset that moves it past year 9999'],
    ['9999-12-31T23:59:59.999-23:59', 'the largest offset at the end of 9999'],
  ])('when a body date is %s (%s), then 400 naming the field', async (value) => {
    const res = await post({ ...SESSION, startedAt: value });
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual({ path: 'body.startedAt', message: expect.stringMatching(/between 0001-01-01/) });
    expect(await t.db.prisma.session.count()).toBe(0);
  });

  it('when body dates are the first and the last instant of the range, then they are stored and read back exactly', async () => {
    const res = await post({ ...SESSION, startedAt: '0001-01-01T00:00:00Z', endedAt: '9999-12-31T23:59:59.999Z' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ startedAt: '0001-01-01T00:00:00.000Z', endedAt: '9999-12-31T23:59:59.999Z' });
    await t.db.prisma.session.deleteMany();
  });

  it.each([
    'startedAt[gt]=0000-01-01',
    'startedAt[lt]=9999-12-31T23:59:59-23:59',
    'startedAt=0000-12-31T23:59:59Z',
    'endedAt[in]=2026-01-01,0000-01-01',
  ])('when a date filter is out of range (%s), then 400 naming the parameter', async (query) => {
    const res = await request(t.app).get(`/api/v1/sessions?${query}`).set(authHeader(ada.token));
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toEqual({ path: `query.${query.split('=')[0]}`, message: expect.stringMatching(/between 0001-01-01/) });
  });

  it.each(['0000-01-01T00:00:00.000Z', '+010000-01-01T00:00:00.000Z', '-000001-01-01T00:00:00.000Z'])(
    'when a forged listing cursor carries the date %s, then 400 naming the cursor',
    async (date) => {
      const cursor = Buffer.from(JSON.stringify({ s: 'startedAt', v: [date, '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'] })).toString(
        'base64url',
      );
      const res = await request(t.app).get(`/api/v1/sessions?sort=startedAt&cursor=${cursor}`).set(authHeader(ada.token));
      expect(res.status).toBe(400);
      expect(res.body.errors[0].path).toBe('query.cursor');
    },
  );

  it.each(['0000-01-01T00:00:00.000Z', '+275760-09-13T00:00:00.000Z', '9999-12-31T23:59:59-23:59'])(
    'when a forged api-keys cursor carries the date %s, then 400 naming the cursor',
    async (date) => {
      const cursor = Buffer.from(JSON.stringify({ s: '-createdAt,-id', v: [date, '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'] })).toString(
        'base64url',
      );
      const res = await request(t.app).get(`/api/v1/api-keys?cursor=${cursor}`).set(authHeader(ada.token));
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ path: 'query.cursor', message: 'is not a cursor from this API' }]);
    },
  );

  it.each([
    ['not base64 JSON', 'garbage'],
    [
      'of another listing',
      Buffer.from(JSON.stringify({ s: 'title', v: ['a', '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'] })).toString('base64url'),
    ],
    [
      'of the old api-keys form',
      Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'])).toString('base64url'),
    ],
  ])('when a cursor is %s, then the listings and /api-keys answer the same 400', async (_what, cursor) => {
    const problem = async (path: string) => {
      const res = await request(t.app).get(`${path}?cursor=${cursor}`).set(authHeader(ada.token));
      expect(res.status).toBe(400);
      return { detail: res.body.detail, errors: res.body.errors };
    };
    const fromKeys = await problem('/api/v1/api-keys');
    expect(fromKeys.errors).toEqual([{ path: 'query.cursor', message: expect.any(String) }]);
    expect(await problem('/api/v1/sessions')).toEqual(fromKeys);
    expect(await problem('/api/v1/runs')).toEqual(fromKeys);
  });

  it('when an API key is to expire after 9999, then 400 naming expiresAt', async () => {
    const res = await request(t.app)
      .post('/api/v1/api-keys')
      .set(authHeader(ada.token))
      .send({ name: 'forever', expiresAt: '9999-12-31T23:59:59-23:59' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual({ path: 'body.expiresAt', message: expect.stringMatching(/between 0001-01-01/) });
  });
});

describe('malformed percent-escapes in the path', () => {
  let t: TestApp;
  let ada: TestUser;
  beforeAll(async () => {
    t = startTestApp();
    ada = await createUser(t.db);
  });
  afterAll(() => t.close());

  it.each([
    ['GET', '/api/v1/recordings/%zz'],
    ['GET', '/api/v1/sessions/%E2%82/recordings'],
    ['PATCH', '/api/v1/algos/%'],
    ['DELETE', '/api/v1/users/abc%2'],
    ['GET', '/api/v1/%zz'],
  ])('%s %s is a 400 naming the path, without a token, with a valid one and with an invalid one', async (method, path) => {
    for (const auth of [{}, authHeader(ada.token), authHeader(`bk_api_${'x'.repeat(43)}`)]) {
      const res = await request(t.app)[method.toLowerCase() as 'get' | 'patch' | 'delete'](path).set(auth);
      expect({ status: res.status, type: res.headers['content-type'] }).toEqual({
        status: 400,
        type: expect.stringMatching(/^application\/problem\+json/),
      });
      expect(res.body.errors).toEqual([{ path: 'path', message: expect.stringMatching(/malformed percent-escape/) }]);
    }
  });

  it('a well-formed escape still reaches its route (an encoded UUID character is just the character)', async () => {
    const res = await request(t.app).get('/api/v1/sessions/%30193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b').set(authHeader(ada.token));
    expect(res.status).toBe(404);
  });
});

describe('inspect(), the walk behind the checks', () => {
  it('descends into arrays, plain objects and null-prototype objects (parsed queries), not into buffers of raw bodies', () => {
    const query = Object.assign(Object.create(null) as Record<string, unknown>, { title: 'a\u0000' });
    expect(inspect('query', query)).toEqual([{ path: 'query.title', message: expect.stringMatching(/NUL/) }]);
    expect(inspect('body', [{ a: ['\ud800'] }])).toEqual([{ path: 'body.0.a.0', message: expect.stringMatching(/surrogate/) }]);
    expect(inspect('body', Buffer.alloc(1_000_000))).toEqual([]);
    expect(inspect('body', new Date(0))).toEqual([]);
  });

  it('reports at most 20 problems, in document order', () => {
    const errors = inspect(
      'body',
      Array.from({ length: 100 }, () => '\u0000'),
    );
    expect(errors).toHaveLength(20);
    expect(errors.map((e) => e.path).slice(0, 3)).toEqual(['body.0', 'body.1', 'body.2']);
  });
});
