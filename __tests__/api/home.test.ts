/**
 * A newcomer's first requests: GET / says where to go, and the `type` of every error response
 * leads to a page that says what the problem is and what to do about it.
 */
import request from 'supertest';
import { PROBLEM_TYPES } from '../../src/api/problem-types';
import { startTestApp, type TestApp } from '../support/app';
import { authHeader, createUser } from '../support/factories';

describe('GET / and the problem type pages', () => {
  let t: TestApp;
  beforeAll(() => {
    t = startTestApp();
  });
  afterAll(() => t.close());

  it('when a client asks for /, then it gets links to the docs, the OpenAPI document and the API (JSON)', async () => {
    const res = await request(t.app).get('/').set('Accept', '*/*');
    expect(res.status).toBe(200);
    expect(res.type).toBe('application/json');
    expect(res.body.links).toMatchObject({ docs: '/docs', openapi: '/openapi.json', api: '/api/v1', problems: '/problems' });
    for (const href of Object.values(res.body.links as Record<string, string>).filter((h) => h !== '/api/v1')) {
      expect({ href, status: (await request(t.app).get(href)).status }).toEqual({ href, status: expect.any(Number) });
      // every link but the API itself (which needs a token) answers something other than 404
      expect((await request(t.app).get(href)).status).not.toBe(404);
    }
  });

  it('when a browser asks for /, then it gets a page linking /docs and /openapi.json', async () => {
    const res = await request(t.app).get('/').set('Accept', 'text/html,application/xhtml+xml,*/*;q=0.8');
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain('<a href="/docs">');
    expect(res.text).toContain('<a href="/openapi.json">');
  });

  it('when an error response names its type, then GET on that type describes the problem', async () => {
    const { token } = await createUser(t.db);
    const errors = [
      await request(t.app).get('/api/v1/sessions?limit=0').set(authHeader(token)),
      await request(t.app).get('/api/v1/sessions'),
      await request(t.app).get('/api/v1/sessions/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b').set(authHeader(token)),
      await request(t.app).put('/api/v1/sessions').set(authHeader(token)),
    ];
    expect(errors.map((e) => e.status)).toEqual([400, 401, 404, 405]);
    for (const error of errors) {
      const page = await request(t.app).get(error.body.type).set('Accept', 'text/html');
      expect(page.status).toBe(200);
      expect(page.text).toContain(`${error.status} ${error.body.title}`);
      const json = await request(t.app).get(error.body.type).set('Accept', 'application/json');
      expect(json.body).toMatchObject({ type: error.body.type, status: error.status, when: expect.any(String), fix: expect.any(String) });
    }
  });

  it('when a problem type is answered with several statuses, then its page lists them all', async () => {
    const json = await request(t.app).get('/problems/upload-error').set('Accept', 'application/json');
    expect(json.status).toBe(200);
    expect(json.body.status).toEqual(expect.arrayContaining([409, 410, 412]));
    const page = await request(t.app).get('/problems/upload-error').set('Accept', 'text/html');
    expect(page.text).toContain(
      `${(json.body.status as number[]).slice(0, -1).join(', ')} or ${String(json.body.status.at(-1))} Upload Protocol Error`,
    );
  });

  it('GET /problems lists every problem type, and an unknown one is a 404 problem', async () => {
    const all = await request(t.app).get('/problems').set('Accept', 'application/json');
    expect(all.body.data.map((p: { type: string }) => p.type)).toEqual(Object.keys(PROBLEM_TYPES).map((slug) => `/problems/${slug}`));
    const unknown = await request(t.app).get('/problems/no-such-thing');
    expect(unknown.status).toBe(404);
    expect(unknown.type).toBe('application/problem+json');
    expect((await request(t.app).post('/')).status).toBe(405);
  });
});
