/**
 * A database that refuses new connections is an outage: every request that needs it gets a
 * 503 problem+json with Retry-After (never a 500), /readyz says so without the server's own
 * words, and the same app serves again once connections are accepted. On PostgreSQL: a database
 * of the test's own with ALLOW_CONNECTIONS false, a role at its connection limit, a role that may
 * no longer log in (the machine's trust authentication checks no passwords, so NOLOGIN, SQLSTATE
 * 28000, stands in for a rotated password, 28P01: both are refusals at connection time). On the
 * embedded server: pglite-socket refusing a connection beyond its limit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import path from 'node:path';
import pg from 'pg';
import { connectDatabase } from '../../src/db/connection';
import { applyPendingMigrations } from '../../src/db/migrations';
import { parsePgUrl } from '../../src/db/pg-url';
import { testDatabaseUrl } from '../support/app';
import { ROOT } from '../support/process';
import { createUser } from '../support/factories';
import { call, sleep, startInstance, type Instance, type Reply } from './support';

const NOT_A_KEY = `bk_api_${'r'.repeat(43)}`;

function expect503(reply: Reply, what: string): void {
  expect({ what, status: reply.status, type: reply.type, retryAfter: reply.headers.get('retry-after') }).toEqual({
    what,
    status: 503,
    type: expect.stringMatching(/^application\/problem\+json/),
    retryAfter: expect.stringMatching(/^\d+$/),
  });
}

const describeOnRealServer = process.env.TEST_DATABASE_URL ? describe : describe.skip;

describeOnRealServer('when PostgreSQL refuses the app’s new connections', () => {
  const name = `bk_refuse_${randomUUID().slice(0, 8)}`;
  let admin: pg.Client;
  let inst: Instance;
  let token: string;

  beforeAll(async () => {
    admin = new pg.Client(parsePgUrl(testDatabaseUrl()).config);
    await admin.connect();
    await admin.query(`CREATE ROLE ${name} LOGIN`);
    await admin.query(`CREATE DATABASE ${name} OWNER ${name}`);
    const url = new URL(testDatabaseUrl());
    url.username = name;
    url.pathname = `/${name}`;
    url.search = '';
    const setup = connectDatabase({ url: url.toString(), poolSize: 1, connectTimeoutMs: 10_000, statementTimeoutMs: 60_000 });
    try {
      await applyPendingMigrations(setup.pool, setup.schema, url.toString());
    } finally {
      await setup.close();
    }
    inst = await startInstance({ url: url.toString(), applicationName: name, poolSize: 2 });
    token = (await createUser(inst.db)).token;
  }, 90_000);

  afterAll(async () => {
    await inst?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${name}`);
    await admin.end();
  });

  /** Ends the app's open connections, so the next request needs a new one. */
  const dropConnections = () => admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [name]);

  async function servingAgain(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      if ((await call(inst.base, 'GET', '/api/v1/sessions', token)).status === 200) return;
      await sleep(100);
    }
    throw new Error('not serving again within 5 s');
  }

  it.each([
    [
      'the database does not allow connections',
      `ALTER DATABASE ${name} ALLOW_CONNECTIONS false`,
      `ALTER DATABASE ${name} ALLOW_CONNECTIONS true`,
    ],
    [
      'the role is at its connection limit (too many connections)',
      `ALTER ROLE ${name} CONNECTION LIMIT 0`,
      `ALTER ROLE ${name} CONNECTION LIMIT -1`,
    ],
    ['the role may no longer log in (authentication fails)', `ALTER ROLE ${name} NOLOGIN`, `ALTER ROLE ${name} LOGIN`],
  ])(
    'when %s, then every request is a 503 with Retry-After, /readyz hides the reason, and service resumes',
    async (_what, refuse, allow) => {
      expect((await call(inst.base, 'GET', '/api/v1/sessions', token)).status).toBe(200);
      await admin.query(refuse);
      try {
        await dropConnections();
        expect503(await call(inst.base, 'GET', '/api/v1/sessions', token), 'an authenticated read');
        expect503(await call(inst.base, 'POST', '/api/v1/sessions', token, { title: 't', startedAt: '2026-11-26T08:00:00Z' }), 'a write');
        expect503(await call(inst.base, 'GET', '/api/v1/sessions', NOT_A_KEY), 'a token lookup');
        expect503(await call(inst.base, 'POST', '/api/v1/auth/login', undefined, { email: 'a@example.com', password: 'x' }), 'a login');
        const ready = await call(inst.base, 'GET', '/readyz');
        expect(ready.status).toBe(503);
        expect(ready.body).toMatchObject({ detail: 'database: unreachable' });
        expect(JSON.stringify(ready.body)).not.toContain(name);
      } finally {
        await admin.query(allow);
      }
      await servingAgain();
    },
  );
});

describe('when the embedded server (pglite-socket) refuses a connection beyond its limit', () => {
  let child: ChildProcess;
  let holder: pg.Client;
  let inst: Instance;
  beforeAll(async () => {
    // PGlite loads its WebAssembly with a dynamic import, which jest's module sandbox refuses: a child process it is.
    child = spawn(
      process.execPath,
      ['--require', require.resolve('tsx/cjs'), path.join(ROOT, '__tests__/support/pglite-one-connection.ts')],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /port (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`PGlite helper exited with ${String(code)}`)));
    });
    const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    holder = new pg.Client(parsePgUrl(url).config); // takes the one connection the server allows
    await holder.connect();
    inst = await startInstance({ url, poolSize: 1 });
  }, 60_000);
  afterAll(async () => {
    await inst?.close();
    await holder?.end();
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('then a request needing the database is a 503 with Retry-After, not a 500', async () => {
    expect503(await call(inst.base, 'GET', '/api/v1/sessions', NOT_A_KEY), 'a token lookup');
    expect503(await call(inst.base, 'POST', '/api/v1/auth/login', undefined, { email: 'a@example.com', password: 'x' }), 'a login');
    expect((await call(inst.base, 'GET', '/readyz')).status).toBe(503);
  });
});
