import express from 'express';
import request from 'supertest';
import { problemHandler, toHttpError } from '../../src/api/middleware/problem';
import { requestId } from '../../src/api/middleware/request-id';
import { startTestApp, truncateAll, type TestApp } from '../support/app';

const PROBLEM = /^application\/problem\+json/;

describe('errors are problem+json with the contract statuses', () => {
  let t: TestApp;
  beforeAll(() => {
    t = startTestApp({ BODY_LIMIT: '1kb' });
  });
  afterAll(() => t.close());

  it('when the route does not exist, then 404 names the path', async () => {
    const res = await request(t.app).get('/nowhere');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toMatchObject({ type: '/problems/not-found', status: 404, instance: '/nowhere' });
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
  });

  it('when the method is not allowed, then 405 lists the allowed ones', async () => {
    const res = await request(t.app).delete('/healthz');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
    expect(res.headers['content-type']).toMatch(PROBLEM);
  });

  it('when the body is not valid JSON, then 400 says so', async () => {
    const res = await request(t.app).post('/nowhere').set('Content-Type', 'application/json').send('{"a": ');
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body.detail).toMatch(/not valid JSON/);
  });

  it('when the body is larger than BODY_LIMIT, then 413', async () => {
    const res = await request(t.app)
      .post('/nowhere')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ text: 'x'.repeat(2048) }));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toMatch(PROBLEM);
  });

  it('when the body is not JSON, then 415', async () => {
    const res = await request(t.app).post('/nowhere').set('Content-Type', 'text/plain').send('hello');
    expect(res.status).toBe(415);
    expect(res.body.detail).toMatch(/text\/plain/);
  });

  it('when the body is JSON with an unsupported charset, then 415', async () => {
    const res = await request(t.app).post('/nowhere').set('Content-Type', 'application/json; charset=ebcdic').send('{}');
    expect(res.status).toBe(415);
  });

  it('when a DELETE carries a body, then the body is not read (DELETE documents no 413 or 415)', async () => {
    const url = '/api/v1/sessions/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    const odd = await request(t.app).delete(url).set('Content-Type', 'application/json; charset=latin1').send('{"a": ');
    const large = await request(t.app)
      .delete(url)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ text: 'x'.repeat(2048) }));
    // authentication answers, not the body parser
    expect([odd.status, large.status]).toEqual([401, 401]);
  });

  it('when a request has no body, then no content type is demanded', async () => {
    const res = await request(t.app).post('/nowhere');
    expect(res.status).toBe(404);
  });

  it('when the database rejects a duplicate, then the error is a 409 naming the field', async () => {
    await truncateAll(t.db);
    await t.db.prisma.user.create({ data: { email: 'dup@example.com', name: 'A' } });
    const err = await t.db.prisma.user.create({ data: { email: 'dup@example.com', name: 'B' } }).catch((e: unknown) => e);
    const http = toHttpError(err);
    expect(http?.status).toBe(409);
    expect(http?.detail).toContain('email');
  });

  it('when a record to update does not exist, then the error is a 404', async () => {
    const err = await t.db.prisma.user
      .update({ where: { id: '00000000-0000-7000-8000-000000000000' }, data: { name: 'x' } })
      .catch((e: unknown) => e);
    expect(toHttpError(err)?.status).toBe(404);
  });

  it('when a referenced row is deleted, then the error is a 409', async () => {
    await truncateAll(t.db);
    const user = await t.db.prisma.user.create({ data: { email: 'owner@example.com', name: 'Owner' } });
    await t.db.prisma.session.create({ data: { userId: user.id, title: 'S', startedAt: new Date() } });
    const err = await t.db.prisma.user.delete({ where: { id: user.id } }).catch((e: unknown) => e);
    expect(toHttpError(err)?.status).toBe(409);
  });
});

describe('an unexpected error', () => {
  function failingApp(): express.Express {
    const app = express();
    app.use(requestId);
    app.get('/boom', () => {
      const err = new Error('SELECT secret FROM "User" failed at /srv/app/src/x.ts:1');
      throw err;
    });
    app.use(problemHandler);
    return app;
  }

  it('then it is a 500 problem without message, stack or SQL', async () => {
    const res = await request(failingApp()).get('/boom');
    expect(res.status).toBe(500);
    expect(res.headers['content-type']).toMatch(PROBLEM);
    expect(res.body).toEqual({
      type: '/problems/internal-error',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred',
      instance: '/boom',
      requestId: res.headers['x-request-id'],
    });
    expect(res.text).not.toMatch(/SELECT|secret|\.ts/);
  });
});

describe('request ids', () => {
  let t: TestApp;
  beforeAll(() => {
    t = startTestApp();
  });
  afterAll(() => t.close());

  it('when the client sends a well-formed X-Request-Id, then it is echoed', async () => {
    const res = await request(t.app).get('/healthz').set('X-Request-Id', 'client-id_42.a:b');
    expect(res.headers['x-request-id']).toBe('client-id_42.a:b');
  });

  it('when the client sends none, then a UUID is generated', async () => {
    const res = await request(t.app).get('/healthz');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('when the client sends a malformed one, then it is replaced', async () => {
    const res = await request(t.app).get('/healthz').set('X-Request-Id', 'bad id\twith spaces');
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const long = await request(t.app).get('/healthz').set('X-Request-Id', 'a'.repeat(200));
    expect(long.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('every response has security headers and no X-Powered-By', async () => {
    const res = await request(t.app).get('/healthz');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});
