/**
 * The contract hook (support/contract-hook.ts, run before every test file) is not vacuous: the
 * responses of ordinary requests are checked, whichever client received them, and one that does
 * not conform to the OpenAPI document fails the request that received it, naming method, path,
 * status and each problem — and fails the test even when the test catches that error.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { requestId } from '../../src/api/middleware/request-id';
import { startTestApp, type TestApp } from '../support/app';
import {
  assertNoViolations,
  checkedResponses,
  expectConforms,
  expectLoggedExchangesConform,
  takeViolations,
  uncheckedFetch,
} from '../support/contract-hook';

/** Answers like the app on documented paths, but not as the document says. */
function rogueApp(): express.Express {
  const app = express();
  app.use(requestId);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', uptimeSeconds: 1, passwordHash: 'leaked' });
  });
  app.get('/api/v1/auth/me', (_req, res) => {
    res.status(418).json({ teapot: true });
  });
  return app;
}

async function listen(app: express.Express): Promise<{ server: Server; base: string }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('every response a test receives is checked against the OpenAPI document', () => {
  let t: TestApp;
  let app: { server: Server; base: string };
  let rogue: { server: Server; base: string };
  beforeAll(async () => {
    t = startTestApp();
    app = await listen(t.app);
    rogue = await listen(rogueApp());
  });
  afterAll(async () => {
    for (const { server } of [app, rogue]) {
      server.closeAllConnections();
      server.close();
    }
    await t.close();
  });

  it('when a test makes an ordinary supertest request, then its response is checked', async () => {
    const before = checkedResponses();
    await request(t.app).get('/healthz').expect(200);
    await request(t.app).get('/api/v1/auth/me').expect(401);
    expect(checkedResponses()).toBe(before + 2);
  });

  it('when a test fetches from a running app, then its response is checked', async () => {
    const before = checkedResponses();
    expect((await fetch(`${app.base}/readyz`)).status).toBe(200);
    expect(checkedResponses()).toBe(before + 1);
    await uncheckedFetch(`${app.base}/readyz`);
    expect(checkedResponses()).toBe(before + 1);
  });

  it('when a body has a field the schema does not allow, then the supertest request fails, naming method, path, status and problem', async () => {
    await expect(request(rogueApp()).get('/healthz').expect(200)).rejects.toThrow(
      /GET \/healthz → 200: \(root\) must NOT have additional properties \{"additionalProperty":"passwordHash"\}/,
    );
    expect(takeViolations()).toHaveLength(1);
  });

  it('when the test’s own expectation fails too, then the error names both', async () => {
    await expect(request(rogueApp()).get('/healthz').expect(204)).rejects.toThrow(/passwordHash[\s\S]*expected 204 "No Content", got 200/);
    takeViolations();
  });

  it('when a request ends with a callback, then the callback gets the violation', async () => {
    const error = await new Promise<Error | null>((resolve) => {
      void request(rogueApp())
        .get('/healthz')
        .end((err) => resolve(err));
    });
    expect(error?.message).toMatch(/GET \/healthz → 200/);
    takeViolations();
  });

  it('when a status is not documented for the operation, then the fetch rejects', async () => {
    await expect(fetch(`${rogue.base}/api/v1/auth/me`)).rejects.toThrow(
      /GET \/api\/v1\/auth\/me → 418: status 418 is not documented for GET \/api\/v1\/auth\/me/,
    );
    expect(takeViolations()).toHaveLength(1);
  });

  it('when a test catches the violation, then the test still fails (the afterEach check)', async () => {
    await request(rogueApp())
      .get('/healthz')
      .catch(() => undefined);
    expect(() => assertNoViolations()).toThrow(/1 response\(s\) received in this test do not conform[\s\S]*passwordHash/);
    expect(takeViolations()).toEqual([]); // reported once
  });

  it('when another client received the response, then expectConforms and the child-process log check it', () => {
    const healthy = { 'content-type': 'application/json; charset=utf-8', 'x-request-id': 'r1' };
    expect(() =>
      expectConforms({ method: 'GET', url: '/healthz', status: 200, headers: healthy, body: { status: 'ok', uptimeSeconds: 1 } }),
    ).not.toThrow();
    expect(() =>
      expectConforms({ method: 'GET', url: '/healthz', status: 200, headers: {}, body: { status: 'ok', uptimeSeconds: 1 } }),
    ).toThrow(/GET \/healthz → 200: no X-Request-Id/);
    takeViolations();

    const dir = mkdtempSync(path.join(os.tmpdir(), 'backendapi-exchanges-'));
    try {
      const log = path.join(dir, 'log.jsonl');
      const line = (status: number, text: string) =>
        JSON.stringify({ method: 'GET', url: 'http://127.0.0.1:1/healthz', status, headers: healthy, text });
      writeFileSync(log, `${line(200, '{"status":"ok","uptimeSeconds":3}')}\n`);
      expect(expectLoggedExchangesConform(log)).toBe(1);
      writeFileSync(log, `${line(200, '{"status":"ok","uptimeSeconds":3}')}\n${line(200, '{"status":"sleepy","uptimeSeconds":3}')}\n`);
      expect(() => expectLoggedExchangesConform(log)).toThrow(/GET \/healthz → 200: \/status must be equal to one of the allowed values/);
      takeViolations();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('when a problem names a type that has no page, then the check fails', () => {
    const headers = { 'content-type': 'application/problem+json; charset=utf-8', 'x-request-id': 'r2' };
    const problem = (type: string) => ({
      method: 'GET',
      url: '/nowhere',
      status: 404,
      headers,
      body: { type, title: 'Not Found', status: 404, detail: 'x', instance: '/nowhere', requestId: 'r2' },
    });
    expect(() => expectConforms(problem('/problems/not-found'))).not.toThrow();
    expect(() => expectConforms(problem('/problems/made-up'))).toThrow(/problem type \/problems\/made-up has no page/);
    takeViolations();
  });

  it('when a path is exempt (Swagger UI’s files), then only the checks every response gets apply', async () => {
    await request(t.app).get('/docs/swagger-ui.css').expect(200);
    const missing = await request(t.app).get('/docs/no-such-file.js').expect(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
