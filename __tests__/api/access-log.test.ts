import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import request from 'supertest';
import winston from 'winston';
import { logger } from '../../src/core/logging';
import { startTestApp, type TestApp } from '../support/app';
import { until } from '../support/content';
import { valueOf } from '../support/metrics';
import { authHeader, createUser } from '../support/factories';
import { workerKey } from '../support/runs';

type Line = Record<string | symbol, unknown> & { message: string };

/** The logger's lines (as objects), from here on, at `level`; the quiet test logger is restored by `restore`. */
function captureLogs(level: string): { lines: Line[]; restore: () => void } {
  const lines: Line[] = [];
  const transport = new winston.transports.Stream({
    stream: new Writable({
      objectMode: true,
      write(info: Line, _encoding, done) {
        lines.push(info);
        done();
      },
    }),
  });
  const saved = { level: logger.level, silent: logger.silent, transports: [...logger.transports] };
  for (const t of saved.transports) logger.remove(t);
  logger.add(transport);
  logger.level = level;
  logger.silent = false;
  return {
    lines,
    restore() {
      logger.remove(transport);
      for (const t of saved.transports) logger.add(t);
      logger.level = saved.level;
      logger.silent = saved.silent;
    },
  };
}

/** The level a line was logged at (the pretty format colours `level` itself). */
const levelOf = (line: Line): unknown => line[Symbol.for('level')];

const accessLines = (lines: Line[], requestId: string): Line[] => lines.filter((l) => l.requestId === requestId && 'durationMs' in l);

describe('access log', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = startTestApp();
    ({ token } = await createUser(t.db));
  });
  afterAll(() => t.close());

  it('when a request is answered, then one line gives its method, path without the query, status, duration and request id', async () => {
    const log = captureLogs('http');
    try {
      await request(t.app).get('/api/v1/sessions?title=private-filter').set(authHeader(token)).set('X-Request-Id', 'access-ok').expect(200);
      await until('the access line', () => accessLines(log.lines, 'access-ok').length > 0);
      const [line, ...more] = accessLines(log.lines, 'access-ok');
      expect(more).toEqual([]);
      expect(line).toMatchObject({ method: 'GET', path: '/api/v1/sessions', status: 200 });
      expect(levelOf(line as Line)).toBe('http');
      expect(line?.durationMs).toEqual(expect.any(Number));
      expect(line?.message).toMatch(/^GET \/api\/v1\/sessions 200 \d+\.\dms$/);
      expect(JSON.stringify(line)).not.toContain('private-filter');
    } finally {
      log.restore();
    }
  });

  it('when the http level is off (the default info), then answered requests leave no line, and refused ones still warn', async () => {
    const log = captureLogs('info');
    try {
      await request(t.app).get('/api/v1/sessions').set(authHeader(token)).set('X-Request-Id', 'access-quiet').expect(200);
      await request(t.app).get('/api/v1/sessions').set('X-Request-Id', 'access-401').expect(401);
      await until('the 401 line', () => accessLines(log.lines, 'access-401').length > 0);
      const refused = accessLines(log.lines, 'access-401')[0] as Line;
      expect(refused).toMatchObject({ status: 401, path: '/api/v1/sessions' });
      expect(levelOf(refused)).toBe('warn');
      expect(accessLines(log.lines, 'access-quiet')).toEqual([]);
    } finally {
      log.restore();
    }
  });

  it('when the client goes away before the answer, then the line says aborted, and the request is counted as aborted and leaves the in-flight gauge', async () => {
    // A worker's claim waits for runs: the request stays unanswered until the client hangs up.
    const { token: workerToken } = await workerKey(t.db, await createUser(t.db));
    const log = captureLogs('http');
    const server = t.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const labels = { method: 'POST', route: '/api/v1/runs/claim', status_class: 'aborted' };
    const abortedBefore = await valueOf('backendapi_http_requests_total', labels);
    const inFlightBefore = await valueOf('backendapi_http_requests_in_flight');
    try {
      const body = JSON.stringify({ waitSeconds: 20 });
      const req = http.request({
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
        method: 'POST',
        path: '/api/v1/runs/claim',
        headers: {
          ...authHeader(workerToken),
          'Content-Type': 'application/json',
          'Content-Length': body.length,
          'X-Request-Id': 'access-gone',
        },
      });
      req.on('error', () => undefined);
      req.end(body);
      // In flight, then time enough to read the body and authenticate: the claim is waiting.
      await until('the claim in flight', async () => (await valueOf('backendapi_http_requests_in_flight')) === inFlightBefore + 1);
      await new Promise((r) => setTimeout(r, 300));
      req.destroy();
      await until('the aborted line', () => accessLines(log.lines, 'access-gone').length > 0);
      const line = accessLines(log.lines, 'access-gone')[0] as Line;
      expect(line).toMatchObject({ method: 'POST', path: '/api/v1/runs/claim', aborted: true });
      expect(levelOf(line)).toBe('http');
      expect(line).not.toHaveProperty('status');
      expect(line.message).toMatch(/^POST \/api\/v1\/runs\/claim aborted by the client after \d+\.\dms$/);
      expect(await valueOf('backendapi_http_requests_total', labels)).toBe(abortedBefore + 1);
      expect(await valueOf('backendapi_http_requests_in_flight')).toBe(inFlightBefore);
    } finally {
      log.restore();
      server.close();
      server.closeAllConnections();
    }
  });
});
