/**
 * npm run studio (scripts/studio.ts) as a process on this worker's schema: it serves Prisma
 * Studio's UI, and its backend answers the SQL of Studio's own Postgres adapter (introspection,
 * then a page of a table's rows), driven here over HTTP without a browser. Studio is not the API,
 * so its responses are fetched past the OpenAPI contract check (uncheckedFetch).
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { createStudioBFFClient } from '@prisma/studio-core/data/bff';
import { createPostgresAdapter } from '@prisma/studio-core/data/postgres-core';
import { parsePgUrl } from '../../src/db/pg-url';
import { startTestApp, testDatabaseUrl, type TestApp } from '../support/app';
import { uncheckedFetch } from '../support/contract-hook';
import { createUser } from '../support/factories';
import { freePort, startService, type Started } from '../support/process';

/** GET with a Host header of our choosing (fetch does not let one set it). */
function getWithHost(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', headers: { Host: host } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
  });
}

describe('npm run studio', () => {
  let app: TestApp;
  let studio: Started;
  let base: string;
  const email = `studio-${randomUUID().slice(0, 8)}@example.com`;
  const schema = parsePgUrl(testDatabaseUrl()).schema;

  beforeAll(async () => {
    app = startTestApp();
    await createUser(app.db, { email, name: 'Studio Check' });
    const port = await freePort();
    studio = await startService(
      process.execPath,
      ['--require', require.resolve('tsx/cjs'), 'scripts/studio.ts', '--port', String(port)],
      { DATABASE_URL: testDatabaseUrl() },
      25_000,
    );
    base = `http://127.0.0.1:${studio.port}`;
  }, 30_000);

  afterAll(async () => {
    if (studio) {
      studio.child.kill('SIGTERM');
      await studio.exited;
    }
    await app?.db.prisma.user.deleteMany({ where: { email } });
    await app?.close();
  });

  it('when started, then it listens on 127.0.0.1 and serves the UI (page, script and styles)', async () => {
    expect(studio.output()).toMatch(/Prisma Studio listening on http:\/\/127\.0\.0\.1:\d+/);
    const page = await uncheckedFetch(`${base}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="root"></div>');
    expect(html).toContain(JSON.stringify({ schema }));
    const script = await uncheckedFetch(`${base}/studio.js`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(1_000_000);
    expect((await uncheckedFetch(`${base}/studio.css`)).status).toBe(200);
  });

  it("when Studio's Postgres adapter lists the User table, then the rows come from the configured database", async () => {
    const adapter = createPostgresAdapter({ executor: createStudioBFFClient({ url: `${base}/bff`, fetch: uncheckedFetch }) });
    const [introspectionError, introspection] = await adapter.introspect({});
    expect(introspectionError).toBeNull();
    const table = introspection!.schemas[schema]?.tables.User;
    expect(table).toBeDefined();
    expect(Object.keys(table!.columns)).toEqual(expect.arrayContaining(['id', 'email', 'name', 'role']));

    const [queryError, result] = await adapter.query(
      {
        table: table!,
        pageIndex: 0,
        pageSize: 25,
        sortOrder: [],
        filter: {
          kind: 'FilterGroup',
          id: 'root',
          after: 'and',
          filters: [{ kind: 'ColumnFilter', id: 'by-email', column: 'email', operator: '=', value: email, after: 'and' }],
        },
      },
      { abortSignal: new AbortController().signal },
    );
    expect(queryError).toBeNull();
    expect(result!.rows).toEqual([expect.objectContaining({ email, name: 'Studio Check', role: 'MEMBER' })]);
  });

  it('when a request names another host or is not JSON, then its SQL is refused (DNS rebinding, cross-site forms)', async () => {
    const body = JSON.stringify({ procedure: 'query', query: { sql: 'SELECT 1', parameters: [] } });
    const asForm = await uncheckedFetch(`${base}/bff`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body });
    expect(asForm.status).toBe(415);
    const crossSite = await uncheckedFetch(`${base}/bff`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: 'http://evil.example' },
      body,
    });
    expect(crossSite.status).toBe(403);
    expect(await getWithHost(studio.port, `attacker.example:${studio.port}`)).toBe(403);
    expect(await getWithHost(studio.port, `localhost:${studio.port}`)).toBe(200);
    const json = await uncheckedFetch(`${base}/bff`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    expect(await json.json()).toEqual([null, [{ '?column?': 1 }]]);
  });
});
