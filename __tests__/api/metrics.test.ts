import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { loadConfig } from '../../src/core/config';
import { connectDatabase } from '../../src/db/connection';
import { collectProcessMetrics, registry, recordContentBytes } from '../../src/telemetry/metrics';
import { operationOf } from '../../src/telemetry/db-metrics';
import { startMetricsServer } from '../../src/telemetry/metrics-server';
import { startTestApp, testDatabaseUrl, type TestApp } from '../support/app';
import { valueOf } from '../support/metrics';
import { uncheckedFetch } from '../support/contract-hook';
import { authHeader, createUser } from '../support/factories';

/** How much a metric moved while `action` ran. */
async function delta(name: string, labels: Record<string, string>, action: () => Promise<unknown>): Promise<number> {
  const before = await valueOf(name, labels);
  await action();
  return (await valueOf(name, labels)) - before;
}

const requests = 'backendapi_http_requests_total';

describe('request metrics', () => {
  let t: TestApp;
  let token: string;
  let adminToken: string;
  beforeAll(async () => {
    t = startTestApp();
    ({ token } = await createUser(t.db));
    ({ token: adminToken } = await createUser(t.db, { role: 'ADMIN' }));
  });
  afterAll(() => t.close());

  it('when a route answers, then the request is counted under its route template, method and status class', async () => {
    const { body } = await request(t.app)
      .post('/api/v1/sessions')
      .set(authHeader(token))
      .send({ title: 'm', startedAt: new Date().toISOString() });
    const labels = { method: 'GET', route: '/api/v1/sessions/:id', status_class: '2xx' };
    expect(
      await delta(requests, labels, () =>
        request(t.app)
          .get(`/api/v1/sessions/${body.id as string}`)
          .set(authHeader(token))
          .expect(200),
      ),
    ).toBe(1);
    expect(
      await delta(`backendapi_http_request_duration_seconds_count`, labels, () =>
        request(t.app)
          .get(`/api/v1/sessions/${body.id as string}`)
          .set(authHeader(token)),
      ),
    ).toBe(1);
    expect(await delta(requests, { route: '/healthz', status_class: '2xx' }, () => request(t.app).get('/healthz'))).toBe(1);
    // No series ever names a raw id.
    const routes = new Set(((await registry.getSingleMetric(requests)?.get())?.values ?? []).map((v) => String(v.labels.route)));
    expect([...routes].filter((r) => r.includes(body.id as string))).toEqual([]);
  });

  it('when the error handler answers for a route, then the full route template is kept (not the path inside its router)', async () => {
    // 404 for an unknown id and 405 from the route's `all(only(...))` leave their routers as errors.
    const unknown = '0190e4a4-0000-7000-8000-000000000000';
    const notFound = { method: 'GET', route: '/api/v1/sessions/:id', status_class: '4xx' };
    expect(
      await delta(requests, notFound, () => request(t.app).get(`/api/v1/sessions/${unknown}`).set(authHeader(token)).expect(404)),
    ).toBe(1);
    const notAllowed = { method: 'DELETE', route: '/api/v1/_schema', status_class: '4xx' };
    expect(await delta(requests, notAllowed, () => request(t.app).delete('/api/v1/_schema').set(authHeader(adminToken)).expect(405))).toBe(
      1,
    );
    expect(await valueOf(requests, { route: '/sessions/:id' })).toBe(0);
  });

  it('when no route answers (unknown path, or refused before routing), then the route label is "unmatched"', async () => {
    const unmatched = { route: 'unmatched', status_class: '4xx' };
    expect(await delta(requests, unmatched, () => request(t.app).get('/no/such/path/12345').expect(404))).toBe(1);
    expect(
      await delta(requests, unmatched, () => request(t.app).get('/api/v1/sessions').set(authHeader('bk_api_not-a-real-token')).expect(401)),
    ).toBe(1);
    expect(await valueOf(requests, { route: '/no/such/path/12345' })).toBe(0);
  });

  it('when a request is being handled, then it is in flight, and no longer once answered', async () => {
    const server = t.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const body = JSON.stringify({ title: 'slow', startedAt: new Date().toISOString() });
      const before = await valueOf('backendapi_http_requests_in_flight');
      const answered = new Promise<number>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: (server.address() as AddressInfo).port,
            method: 'POST',
            path: '/api/v1/sessions',
            headers: { ...authHeader(token), 'Content-Type': 'application/json', 'Content-Length': body.length },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.write(body.slice(0, 5));
        const poll = setInterval(() => {
          void valueOf('backendapi_http_requests_in_flight').then((n) => {
            if (n !== before + 1) return;
            clearInterval(poll);
            req.end(body.slice(5));
          });
        }, 20);
      });
      expect(await answered).toBe(201);
      expect(await valueOf('backendapi_http_requests_in_flight')).toBe(before);
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });

  it('when a POST is replayed from its Idempotency-Key, then the replay is counted once', async () => {
    const key = `metrics-${Math.random()}`;
    const post = () =>
      request(t.app)
        .post('/api/v1/sessions')
        .set(authHeader(token))
        .set('Idempotency-Key', key)
        .send({ title: 'once', startedAt: '2026-01-01T00:00:00.000Z' })
        .expect(201);
    expect(await delta('backendapi_idempotency_replays_total', {}, () => post())).toBe(0);
    const replayed = await delta('backendapi_idempotency_replays_total', {}, async () => {
      expect((await post()).headers['idempotent-replayed']).toBe('true');
    });
    expect(replayed).toBe(1);
  });

  it('when metrics are disabled, then the app counts nothing', async () => {
    const off = startTestApp({ METRICS_ENABLED: 'false' });
    try {
      expect(await delta(requests, { route: '/healthz' }, () => request(off.app).get('/healthz').expect(200))).toBe(0);
    } finally {
      await off.close();
    }
  });
});

describe('authentication and rate-limit metrics', () => {
  it('when logins fail, then each is counted by reason, and the login limit counts its 429s', async () => {
    // A client address of this test alone: other tests' failed logins from 127.0.0.1 may still be in the window.
    const t = startTestApp({ AUTH_LOGIN_MAX_FAILURES: '2', TRUST_PROXY: 'loopback' });
    const ip = `2001:db8:16:${Math.floor(Math.random() * 0xffff).toString(16)}::1`;
    try {
      const { user } = await createUser(t.db, { password: 'the right password 1' });
      const login = (email: string, password: string) =>
        request(t.app).post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ email, password });
      expect(
        await delta('backendapi_login_failures_total', { reason: 'wrong_password' }, () =>
          login(user.email, 'a wrong password').expect(401),
        ),
      ).toBe(1);
      expect(
        await delta('backendapi_login_failures_total', { reason: 'unknown_email' }, () =>
          login(`nobody-${randomUUID()}@example.com`, 'whatever it is').expect(401),
        ),
      ).toBe(1);
      // Two failures from this address: the next attempt is over the per-IP limit.
      expect(
        await delta('backendapi_rate_limit_rejections_total', { limiter: 'login' }, () =>
          login(user.email, 'a wrong password').expect(429),
        ),
      ).toBe(1);
      expect(
        await delta(requests, { route: '/api/v1/auth/login', status_class: '4xx' }, () =>
          login(user.email, 'a wrong password').expect(429),
        ),
      ).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('when the per-token limit refuses a request, then it is counted under the token limiter', async () => {
    const t = startTestApp({ RATE_LIMIT_PER_MINUTE: '2' });
    try {
      const { token } = await createUser(t.db);
      const get = () => request(t.app).get('/api/v1/auth/me').set(authHeader(token));
      await get().expect(200);
      await get().expect(200);
      expect(await delta('backendapi_rate_limit_rejections_total', { limiter: 'token' }, () => get().expect(429))).toBe(1);
    } finally {
      await t.close();
    }
  });
});

describe('database metrics', () => {
  it('when an app is built on a pool, then the pool gauges include it, and drop it once the pool is closed', async () => {
    const before = await valueOf('backendapi_db_pool_max');
    const t = startTestApp();
    expect(await valueOf('backendapi_db_pool_max')).toBe(before + t.config.database.poolSize);
    await request(t.app).get('/readyz').expect(200);
    expect(await valueOf('backendapi_db_pool_connections')).toBeGreaterThanOrEqual(1);
    expect(await valueOf('backendapi_db_pool_waiting')).toBe(0);
    await t.close();
    expect(await valueOf('backendapi_db_pool_max')).toBe(before);
  });

  it('when statements run through a timed pool, then each is observed by its first keyword (promise, callback and failing forms)', async () => {
    const db = connectDatabase({
      url: testDatabaseUrl(),
      poolSize: 1,
      connectTimeoutMs: 5_000,
      statementTimeoutMs: 5_000,
      timeQueries: true,
    });
    try {
      const selects = () => valueOf('backendapi_db_query_duration_seconds_count', { operation: 'SELECT' });
      const before = await selects();
      await db.pool.query('SELECT 1');
      await new Promise<void>((resolve, reject) => db.pool.query('select $1::int AS n', [2], (err) => (err ? reject(err) : resolve())));
      await expect(db.pool.query('SELECT * FROM no_such_table_metrics')).rejects.toThrow(/no_such_table_metrics/);
      const client = await db.pool.connect();
      try {
        await client.query({ text: 'SELECT 3' });
      } finally {
        client.release();
      }
      expect((await selects()) - before).toBe(4);
      // Prisma's statements go through the same pool.
      const inserts = await delta('backendapi_db_query_duration_seconds_count', { operation: 'INSERT' }, () => createUser(db));
      expect(inserts).toBeGreaterThanOrEqual(2);
    } finally {
      await db.close();
    }
  });

  it('when a statement is labelled, then only its first keyword from a fixed set is used', () => {
    expect(operationOf('  select * from x')).toBe('SELECT');
    expect(operationOf('WITH a AS (SELECT 1) SELECT * FROM a')).toBe('WITH');
    expect(operationOf('VACUUM "User"')).toBe('OTHER');
    expect(operationOf(undefined)).toBe('OTHER');
    expect(operationOf('\n\tSavepoint s1')).toBe('SAVEPOINT');
    expect(operationOf('SAVEPOINTS')).toBe('OTHER');
    expect(operationOf('BEGINNING')).toBe('OTHER');
    expect(operationOf('begin;')).toBe('BEGIN');
    expect(operationOf('')).toBe('OTHER');
  });
});

describe('readiness, content and process metrics', () => {
  it('when /readyz answers, then the ready gauge follows it and each change is counted', async () => {
    let ok = true;
    const t = startTestApp({}, { extraChecks: [() => ({ name: 'toggle', ok })] });
    try {
      await request(t.app).get('/readyz').expect(200);
      expect(await valueOf('backendapi_ready')).toBe(1);
      ok = false;
      const changes = await delta('backendapi_readiness_changes_total', {}, async () => {
        await request(t.app).get('/readyz').expect(503);
        await request(t.app).get('/readyz').expect(503);
      });
      expect(changes).toBe(1);
      expect(await valueOf('backendapi_ready')).toBe(0);
      ok = true;
      expect(await delta('backendapi_readiness_changes_total', {}, () => request(t.app).get('/readyz').expect(200))).toBe(1);
    } finally {
      await t.close();
    }
  });

  it('when recording content is moved, then recordContentBytes counts the bytes by direction', async () => {
    const up = await delta('backendapi_content_bytes_total', { direction: 'upload' }, async () => {
      recordContentBytes('upload', 1000);
      recordContentBytes('upload', 24);
      recordContentBytes('upload', 0);
    });
    expect(up).toBe(1024);
    expect(await delta('backendapi_content_bytes_total', { direction: 'download' }, async () => recordContentBytes('download', 5))).toBe(5);
  });
});

describe('the metrics listener', () => {
  it('by default, then it listens on loopback port 9464, apart from the API port', () => {
    const config = loadConfig({ DATABASE_URL: testDatabaseUrl() });
    expect(config.metrics).toEqual({ enabled: true, host: '127.0.0.1', port: 9464 });
    expect(() => loadConfig({ METRICS_PORT: 'http' })).toThrow(/METRICS_PORT/);
  });

  it('when scraped, then GET /metrics is the Prometheus text format with the process collectors; anything else is refused', async () => {
    collectProcessMetrics(); // as the first app with metrics on does
    const { server, url } = await startMetricsServer({ host: '127.0.0.1', port: 0 });
    try {
      const res = await uncheckedFetch(url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      const text = await res.text();
      expect(text).toMatch(/^# TYPE backendapi_http_requests_total counter$/m);
      expect(text).toMatch(/^# TYPE backendapi_http_request_duration_seconds histogram$/m);
      expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
      expect(text).toMatch(/^process_cpu_seconds_total \d/m);
      expect((await uncheckedFetch(url.replace('/metrics', '/'))).status).toBe(404);
      expect((await uncheckedFetch(url, { method: 'POST' })).status).toBe(405);
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});
