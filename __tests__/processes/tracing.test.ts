import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { connectDatabase, type Database } from '../../src/db/connection';
import { hashToken } from '../../src/auth/tokens';
import { tracingRequested } from '../../src/telemetry/tracing-switch';
import { redactQuery } from '../../src/telemetry/tracing';
import { testConfig, testDatabaseUrl } from '../support/app';
import { authHeader, createUser } from '../support/factories';
import type { HarnessMessage, SpanRecord } from '../support/tracing-harness';

/**
 * One request's trace, recorded by the SDK's in-memory exporter in a child process that starts
 * tracing before it loads the app (support/tracing-harness.ts), as src/main.ts does.
 */
describe('traces of a request (in-memory exporter)', () => {
  let child: ChildProcess;
  let port = 0;
  let output = '';
  let db: Database;
  let token: string;
  let email: string;
  let spans: SpanRecord[] = [];
  const password = 'Tr4cing-P4ssword-never-in-spans';
  const marker = `body-marker-${Math.random().toString(36).slice(2)}`;
  const filter = `filter-marker-${Math.random().toString(36).slice(2)}`;
  let loginToken = '';

  beforeAll(async () => {
    db = connectDatabase({ url: testDatabaseUrl(), poolSize: 1, connectTimeoutMs: 5_000, statementTimeoutMs: 10_000 });
    // Failed logins other test files made from this address would count against the per-IP
    // limit, which the harness sets to one failure (the 429 below).
    await db.prisma.loginAttempt.deleteMany({});
    const user = await createUser(db, { password });
    ({ token } = user);
    email = user.user.email;
    child = fork(path.join(__dirname, '..', 'support', 'tracing-harness.ts'), [], {
      execArgv: ['--require', require.resolve('tsx/cjs')],
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: testDatabaseUrl(),
        // one connection on the embedded server, as the tests' own apps use there
        DATABASE_POOL_SIZE: String(testConfig().database.poolSize),
        LOG_LEVEL: 'http',
        LOG_FORMAT: 'json',
        AUTH_LOGIN_MAX_FAILURES: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    // Log lines: http and info on stdout, warn and error on stderr.
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`tracing harness exited with ${String(code)}:\n${output}`)));
      child.on('message', (m: HarnessMessage) => m.type === 'listening' && resolve(m.port));
    });

    const api = (p: string, init: RequestInit, requestId: string) =>
      fetch(`http://127.0.0.1:${port}${p}`, {
        ...init,
        headers: { 'Content-Type': 'application/json', 'X-Request-Id': requestId, ...init.headers },
      });
    const created = await api(
      '/api/v1/sessions',
      { method: 'POST', headers: authHeader(token), body: JSON.stringify({ title: marker, startedAt: new Date().toISOString() }) },
      'trace-create',
    );
    expect(created.status).toBe(201);
    expect((await api(`/api/v1/sessions?title=${filter}`, { headers: authHeader(token) }, 'trace-list')).status).toBe(200);
    expect((await api('/api/v1/no-such-route', { headers: authHeader(token) }, 'trace-missing')).status).toBe(404);
    const login = (pw: string, requestId: string) =>
      api('/api/v1/auth/login', { method: 'POST', body: JSON.stringify({ email, password: pw }) }, requestId);
    const ok = await login(password, 'trace-login-ok');
    expect(ok.status).toBe(200);
    loginToken = ((await ok.json()) as { token: string }).token;
    expect((await login(`${password}-wrong`, 'trace-login-401')).status).toBe(401);
    expect((await login(`${password}-wrong`, 'trace-login-429')).status).toBe(429);

    child.send({ type: 'spans' });
    spans = await new Promise<SpanRecord[]>((resolve) =>
      child.on('message', (m: HarnessMessage) => m.type === 'spans' && resolve(m.spans)),
    );
  }, 60_000);

  afterAll(async () => {
    if (child?.connected) child.disconnect();
    if (child && child.exitCode === null) await new Promise((r) => child.once('exit', r));
    await db?.close();
  });

  const rootOf = (requestId: string): SpanRecord => {
    const root = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes['backendapi.request_id'] === requestId);
    if (!root) throw new Error(`no server span for ${requestId} among ${spans.length} spans`);
    return root;
  };
  const traceOf = (root: SpanRecord): SpanRecord[] => spans.filter((s) => s.traceId === root.traceId);
  const parentOf = (span: SpanRecord): SpanRecord | undefined => spans.find((s) => s.spanId === span.parentSpanId);
  const ancestors = (span: SpanRecord): SpanRecord[] => {
    const chain: SpanRecord[] = [];
    for (let p = parentOf(span); p; p = parentOf(p)) chain.push(p);
    return chain;
  };
  const childrenOf = (span: SpanRecord): SpanRecord[] => spans.filter((s) => s.parentSpanId === span.spanId);
  const descendants = (span: SpanRecord): SpanRecord[] => childrenOf(span).flatMap((c) => [c, ...descendants(c)]);

  it('when a session is created, then its trace is one tree under the HTTP server span, named by the route template', () => {
    const root = rootOf('trace-create');
    expect(root).toMatchObject({ name: 'POST /api/v1/sessions', scope: '@opentelemetry/instrumentation-http' });
    expect(root.parentSpanId).toBeUndefined();
    expect(root.attributes).toMatchObject({
      'http.route': '/api/v1/sessions',
      'http.request.method': 'POST',
      'http.response.status_code': 201,
    });
    const trace = traceOf(root);
    expect(trace.length).toBeGreaterThan(10);
    for (const span of trace.filter((s) => s !== root)) expect(ancestors(span).at(-1)?.spanId).toBe(root.spanId);
    // Express's middleware and router layers get no spans (the route is named on the server span).
    expect(trace.filter((s) => s.scope === '@opentelemetry/instrumentation-express')).toEqual([]);
  });

  it('when a request matches no route, then its server span keeps the bare method as its name and has no route', () => {
    const root = rootOf('trace-missing');
    expect(root.name).toBe('GET');
    expect(root.attributes['http.route']).toBeUndefined();
    expect(root.attributes['http.response.status_code']).toBe(404);
  });

  it('when a request carries a token, then the auth lookup is a span of the request with its SQL inside', () => {
    const root = rootOf('trace-create');
    const auth = traceOf(root).filter((s) => s.name === 'auth.authenticate');
    expect(auth).toHaveLength(1);
    expect(auth[0]?.parentSpanId).toBe(root.spanId);
    // taking a connection from the pool is a span of its own (time spent waiting when the pool is busy)
    expect(descendants(auth[0] as SpanRecord).map((s) => s.name)).toContain('pg-pool.connect');
    const lookup = descendants(auth[0] as SpanRecord).filter((s) => s.name.startsWith('pg.query:SELECT'));
    expect(lookup.map((s) => s.attributes['db.query.text'])).toEqual([expect.stringMatching(/FROM "[^"]+"\."ApiKey" k JOIN/)]);
  });

  it('when the route writes, then its one Prisma operation holds its SQL statement, sent through pg', () => {
    const root = rootOf('trace-create');
    const operations = traceOf(root).filter((s) => s.name === 'prisma:client:operation');
    // A session and its event-log row are written by one statement (src/resources/sql-write.ts).
    expect(operations.map((s) => String(s.attributes.method))).toEqual(['queryRaw']);
    for (const operation of operations) {
      expect(ancestors(operation).map((s) => s.spanId)).toContain(root.spanId);
      // the route handler runs after authentication, not inside its span
      expect(ancestors(operation).map((s) => s.name)).not.toContain('auth.authenticate');
      const queries = descendants(operation).filter((s) => s.name === 'prisma:client:db_query');
      expect(queries).toHaveLength(1);
      const sql = String(queries[0]?.attributes['db.query.text']);
      expect(sql).toMatch(/^\s*WITH created AS \(\s*INSERT INTO "[^"]+"\."Session"/);
      expect(sql).toMatch(/INSERT INTO "[^"]+"\."EventLog"/);
      // ...and under it the pool's connect and the pg instrumentation's span of the same statement
      expect(childrenOf(queries[0] as SpanRecord).map((s) => [s.name.split(' ')[0], s.attributes['db.query.text']])).toEqual([
        ['pg-pool.connect', undefined],
        ['pg.query:WITH', sql],
      ]);
    }
    // No transaction around it.
    const statements = traceOf(root)
      .filter((s) => s.name.startsWith('pg.query:'))
      .map((s) => s.attributes['db.query.text']);
    expect(statements).not.toContain('BEGIN');
  });

  it('when requests carry bodies, tokens, passwords and filters, then no span attribute holds any of them', () => {
    const everything = JSON.stringify(spans.map((s) => s.attributes));
    for (const secret of [marker, filter, password, token, hashToken(token), loginToken, hashToken(loginToken)]) {
      expect(everything).not.toContain(secret);
    }
    const list = rootOf('trace-list');
    expect(list.attributes['url.query']).toBe('title=REDACTED');
    // Headers are not recorded at all.
    const keys = new Set(spans.flatMap((s) => Object.keys(s.attributes)));
    expect([...keys].filter((k) => /header|authorization|cookie/i.test(k))).toEqual([]);
  });

  it("when a request logs, then every line carries its request id next to its trace's trace_id and span_id", () => {
    const lines = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const requestId of ['trace-create', 'trace-list', 'trace-login-ok', 'trace-login-401', 'trace-login-429']) {
      const mine = lines.filter((l) => l.requestId === requestId);
      const trace = traceOf(rootOf(requestId));
      // the 429 also logs the limit being reached, besides the access line
      expect(mine.length).toBeGreaterThanOrEqual(requestId === 'trace-login-429' ? 2 : 1);
      for (const line of mine) {
        expect(line.trace_id).toBe(trace[0]?.traceId);
        expect(trace.map((s) => s.spanId)).toContain(line.span_id);
        expect(line.trace_flags).toBe('01');
      }
    }
  });
});

describe('switching tracing on', () => {
  it('when the standard variables ask for an exporter or an OTLP endpoint, then tracing is on; otherwise off', () => {
    expect(tracingRequested({})).toBe(false);
    expect(tracingRequested({ OTEL_SERVICE_NAME: 'backendapi', OTEL_TRACES_SAMPLER: 'always_on' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
    expect(tracingRequested({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
    expect(tracingRequested({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(false);
    expect(tracingRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' })).toBe(false);
  });

  it('when a query string is recorded, then only its parameter names are kept', () => {
    expect(redactQuery('email=a%40b.c&limit=5&email=x')).toBe('email=REDACTED&limit=REDACTED&email=REDACTED');
  });
});
