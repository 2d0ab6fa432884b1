import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { connectDatabase } from '../../src/db/connection';
import { testDatabaseUrl } from '../support/app';
import { authHeader, createUser } from '../support/factories';
import { startService, type Started } from '../support/process';

/** What an OTLP/HTTP JSON export request holds (only the fields read here). */
interface ExportRequest {
  resourceSpans: Array<{
    resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> };
    scopeSpans: Array<{ scope: { name: string }; spans: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string }> }>;
  }>;
}

/**
 * `npm start` with the standard OTEL_* variables sends its traces to an OTLP collector (here a
 * small OTLP/HTTP JSON receiver): src/main.ts starts tracing before pg and Prisma load,
 * so their spans are in the export; were the order wrong, they would be missing.
 */
describe('npm start with an OTLP endpoint', () => {
  const exports: ExportRequest[] = [];
  let collector: http.Server;
  let service: Started;

  beforeAll(async () => {
    collector = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        if (req.url === '/v1/traces') exports.push(JSON.parse(body) as ExportRequest);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    service = await startService(
      'npm',
      ['start', '--silent'],
      {
        DATABASE_URL: testDatabaseUrl(),
        PORT: '0',
        HOST: '127.0.0.1',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'backendapi-under-test',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      60_000,
      { detached: true },
    );
  }, 90_000);

  afterAll(async () => {
    if (service && service.child.exitCode === null) {
      process.kill(-(service.child.pid as number), 'SIGTERM');
      await service.exited;
    }
    collector?.close();
  });

  // include= keeps a listing on Prisma Client (without it a listing is one SQL statement on the pool).
  it('when a request is served, then the collector receives its trace with HTTP, auth, Prisma and pg spans under the service name', async () => {
    const db = connectDatabase({ url: testDatabaseUrl(), poolSize: 1, connectTimeoutMs: 5_000, statementTimeoutMs: 10_000 });
    const { token } = await createUser(db).finally(() => db.close());
    const res = await fetch(`http://127.0.0.1:${service.port}/api/v1/sessions?limit=2&include=user`, {
      headers: { ...authHeader(token), 'X-Request-Id': 'otlp-1' },
    });
    expect(res.status).toBe(200);

    type Received = { scope: string; service: string | undefined; traceId: string; spanId: string; parentSpanId?: string; name: string };
    const received = (): Received[] =>
      exports.flatMap((e) =>
        e.resourceSpans.flatMap((rs) => {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue;
          return rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => ({ ...s, scope: ss.scope.name, service })));
        }),
      );
    const root = () => received().find((s) => s.name === 'GET /api/v1/sessions' && !s.parentSpanId);
    const scopesOf = (traceId: string) =>
      new Set(
        received()
          .filter((s) => s.traceId === traceId)
          .map((s) => s.scope),
      );
    const wanted = ['@opentelemetry/instrumentation-http', '@opentelemetry/instrumentation-pg', 'prisma', 'backendapi'];
    for (let i = 0; i < 100; i++) {
      const r = root();
      if (r && wanted.every((w) => scopesOf(r.traceId).has(w))) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const r = root();
    expect(r?.service).toBe('backendapi-under-test');
    expect([...scopesOf(r?.traceId ?? '')].sort()).toEqual([...wanted].sort());
    const trace = received().filter((s) => s.traceId === r?.traceId);
    expect(trace.map((s) => s.name)).toEqual(
      expect.arrayContaining(['auth.authenticate', 'prisma:client:operation', 'prisma:client:db_query']),
    );
  });
});
