import path from 'node:path';
import { connectDatabase, type Database } from '../../src/db/connection';
import { EMBEDDED_MAX_CONNECTIONS } from '../../src/db/target';
import { testDatabaseUrl } from '../support/app';
import { uncheckedFetch } from '../support/contract-hook';
import { authHeader, createUser } from '../support/factories';
import { ROOT, startService, type Started } from '../support/process';
import { startPrometheus, type Prometheus, type PromSample } from '../support/prometheus';

/**
 * A real Prometheus scrapes the running service on its metrics port, and the numbers are read
 * back through Prometheus's HTTP API: what an operator's dashboards and alerts will see.
 */
describe('metrics scraped by a real Prometheus', () => {
  let service: Started;
  let prometheus: Prometheus;
  let db: Database;
  let token: string;

  beforeAll(async () => {
    service = await startService(
      process.execPath,
      ['--require', require.resolve('tsx/cjs'), 'src/main.ts'],
      { DATABASE_URL: testDatabaseUrl(), PORT: '0', HOST: '127.0.0.1', METRICS_PORT: '0', DATABASE_POOL_SIZE: '4' },
      60_000,
    );
    const metricsUrl = /metrics on (http:\/\/\S+)/.exec(service.output())?.[1];
    if (!metricsUrl) throw new Error(`no "metrics on" line:\n${service.output()}`);
    // The metrics listener is on loopback, and the API's own port does not serve /metrics.
    expect(new URL(metricsUrl).hostname).toBe('127.0.0.1');
    expect((await fetch(`http://127.0.0.1:${service.port}/metrics`)).status).toBe(404);

    prometheus = await startPrometheus({
      target: new URL(metricsUrl).host,
      ruleFiles: [path.join(ROOT, 'docs', 'prometheus', 'alerts.yml')],
    });
    db = connectDatabase({ url: testDatabaseUrl(), poolSize: 1, connectTimeoutMs: 5_000, statementTimeoutMs: 10_000 });
    ({ token } = await createUser(db));
    await prometheus.waitFor('up{job="backendapi"}', (r) => r[0]?.value[1] === '1');
  }, 120_000);

  afterAll(async () => {
    await prometheus?.stop();
    if (service && service.child.exitCode === null) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    await db?.close();
  });

  const value = (samples: PromSample[]): number | undefined => (samples.length === 1 ? Number(samples[0]?.value[1]) : undefined);
  const api = (p: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`http://127.0.0.1:${service.port}${p}`, {
      ...init,
      headers: { ...authHeader(token), 'Content-Type': 'application/json', ...init.headers },
    });
  const createSessions = async (n: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const res = await api('/api/v1/sessions', {
        method: 'POST',
        body: JSON.stringify({ title: `scraped ${i}`, startedAt: new Date().toISOString() }),
      });
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { id: string }).id);
    }
    return ids;
  };

  const created = 'backendapi_http_requests_total{job="backendapi", method="POST", route="/api/v1/sessions", status_class="2xx"}';

  it('when requests are served, then the request counter Prometheus scraped moves by exactly their number', async () => {
    await createSessions(2);
    await prometheus.waitFor(created, (r) => value(r) === 2);
    const ids = await createSessions(3);
    await prometheus.waitFor(created, (r) => value(r) === 5);

    // Reads of one session are counted under the route template, never under the raw path.
    for (const id of ids) expect((await api(`/api/v1/sessions/${id}`)).status).toBe(200);
    await prometheus.waitFor(
      'backendapi_http_requests_total{route="/api/v1/sessions/:id", method="GET", status_class="2xx"}',
      (r) => value(r) === 3,
    );
    expect(await prometheus.query(`backendapi_http_requests_total{route=~".*${ids[0]}.*"}`)).toEqual([]);
    const routes = new Set((await prometheus.query('backendapi_http_requests_total')).map((s) => s.metric.route));
    for (const route of routes) expect(route === 'unmatched' || route?.startsWith('/')).toBe(true);
  });

  it('when requests are served, then the latency histogram has its buckets and a p99 can be computed', async () => {
    const inf = await prometheus.waitFor(
      'backendapi_http_request_duration_seconds_bucket{method="POST", route="/api/v1/sessions", status_class="2xx", le="+Inf"}',
      (r) => value(r) === 5,
    );
    expect(inf).toHaveLength(1);
    const buckets = await prometheus.query('backendapi_http_request_duration_seconds_bucket{method="POST", route="/api/v1/sessions"}');
    expect(buckets.map((b) => b.metric.le)).toEqual(expect.arrayContaining(['0.005', '0.1', '1', '10', '+Inf']));
    // Cumulative: no bucket holds more than the next larger one.
    const counts = buckets
      .map((b) => [b.metric.le === '+Inf' ? Infinity : Number(b.metric.le), Number(b.value[1])])
      .sort((a, b) => a[0]! - b[0]!);
    for (let i = 1; i < counts.length; i++) expect(counts[i]![1]).toBeGreaterThanOrEqual(counts[i - 1]![1]!);

    const p99 = await prometheus.query(
      'histogram_quantile(0.99, sum by (le) (rate(backendapi_http_request_duration_seconds_bucket{route="/api/v1/sessions"}[1m])))',
    );
    expect(Number(p99[0]?.value[1])).toBeGreaterThan(0);
  });

  it('when scraped, then the pool, query, process and event-loop metrics are there', async () => {
    // DATABASE_POOL_SIZE=4, except on a PGlite server, which gets one connection (src/db/target.ts)
    const poolMax = process.env.BACKENDAPI_TEST_EXTERNAL === '1' ? 4 : EMBEDDED_MAX_CONNECTIONS;
    expect(value(await prometheus.query('backendapi_db_pool_max{job="backendapi"}'))).toBe(poolMax);
    expect(value(await prometheus.query('backendapi_db_pool_waiting{job="backendapi"}'))).toBe(0);
    expect(value(await prometheus.query('backendapi_db_pool_connections{job="backendapi"}'))).toBeGreaterThanOrEqual(1);
    // The five sessions created above: each is one statement (its row and event row, src/resources/sql-write.ts).
    expect(value(await prometheus.query('sum(backendapi_db_query_duration_seconds_count{operation="WITH"})'))).toBeGreaterThanOrEqual(5);
    expect(value(await prometheus.query('nodejs_eventloop_lag_p99_seconds{job="backendapi"}'))).toBeGreaterThan(0);
    expect(value(await prometheus.query('process_resident_memory_bytes{job="backendapi"}'))).toBeGreaterThan(0);
  });

  it('when Prometheus loads the example alert rules, then every rule evaluates without error against the real metrics', async () => {
    type Rules = { data: { groups: Array<{ rules: Array<{ name: string; health: string; lastError?: string }> }> } };
    let rules: Rules['data']['groups'][number]['rules'] = [];
    for (let i = 0; i < 40; i++) {
      const body = (await (await uncheckedFetch(`${prometheus.url}/api/v1/rules`)).json()) as Rules;
      rules = body.data.groups.flatMap((g) => g.rules);
      if (rules.length && rules.every((r) => r.health !== 'unknown')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(rules.map((r) => r.name)).toHaveLength(6);
    for (const rule of rules)
      expect({ name: rule.name, health: rule.health, error: rule.lastError ?? '' }).toEqual({ name: rule.name, health: 'ok', error: '' });
  });
});
