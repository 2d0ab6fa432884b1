import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readState, isAlive, stopEmbeddedServer, embeddedUrl } from '../../src/db/embedded';
import { connectDatabase } from '../../src/db/connection';
import { openDatabaseTarget } from '../../src/db/target';
import { loadConfig } from '../../src/core/config';
import { testDatabaseUrl } from '../support/app';
import { authHeader, createUser } from '../support/factories';
import { freePort, startService, type Started } from '../support/process';

/**
 * The README's promise: `npm start` with no DATABASE_URL serves on the embedded database,
 * and again on the same data.
 */
describe('npm start on the embedded database', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'backendapi-start-'));
  const started: Started[] = [];
  afterAll(async () => {
    // Whatever the assertions did, nothing this test started may outlive it.
    for (const s of started)
      if (s.child.exitCode === null && s.child.signalCode === null) process.kill(-(s.child.pid as number), 'SIGKILL');
    await stopEmbeddedServer(dir).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  let port = 0;
  async function startAndCheck(): Promise<Started> {
    port = await freePort();
    const env = { DATABASE_URL: '', PORT: '0', HOST: '127.0.0.1', EMBEDDED_DB_DIR: dir, EMBEDDED_DB_PORT: String(port) };
    const service = await startService('npm', ['start', '--silent'], env, 120_000, { detached: true });
    started.push(service);
    const ready = await fetch(`http://127.0.0.1:${service.port}/readyz`);
    expect(ready.status).toBe(200);
    expect(readState(dir)?.status).toBe('ready');
    return service;
  }

  async function stop(service: Started): Promise<void> {
    const serverPid = readState(dir)?.pid as number;
    // The whole process group, as a terminal's Ctrl-C would; npm itself dies of the signal,
    // the app drains and says so (its exit code is checked in shutdown.test.ts).
    process.kill(-(service.child.pid as number), 'SIGTERM');
    await service.exited;
    for (let i = 0; i < 200 && (isAlive(serverPid) || !/\bstopped\b/.test(service.output())); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(service.output()).toMatch(/info\S* stopped/);
    // the app was the embedded server's only user, so the server stopped when it left
    expect(isAlive(serverPid)).toBe(false);
    expect(readState(dir)).toBeUndefined();
  }

  it('when started on a new data directory, then it creates the database, migrates and is ready', async () => {
    const service = await startAndCheck();
    expect(service.output()).toMatch(/applied \d+ migration\(s\): 20261126050019_init/);
    await stop(service);
  }, 180_000);

  it('when started a second time on the same data, then it is ready without migrating again', async () => {
    const service = await startAndCheck();
    expect(service.output()).not.toMatch(/applied \d+ migration/);

    // Concurrent writes (transactions) and reads: PGlite is one session, and two connections'
    // statements interleaving there gave 500s and 401s (electric-sql/pglite#1046).
    const db = connectDatabase({ url: embeddedUrl(port), poolSize: 1, connectTimeoutMs: 5_000, statementTimeoutMs: 10_000 });
    const { token } = await createUser(db).finally(() => db.close());
    const statuses = new Map<string, number>();
    for (let round = 0; round < 3; round++) {
      const replies = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          i % 2
            ? fetch(`http://127.0.0.1:${service.port}/api/v1/sessions`, {
                method: 'POST',
                headers: { ...authHeader(token), 'Content-Type': 'application/json' },
                body: JSON.stringify({ title: `concurrent ${round}.${i}`, startedAt: new Date().toISOString() }),
              })
            : fetch(`http://127.0.0.1:${service.port}/api/v1/sessions?limit=5`, { headers: authHeader(token) }),
        ),
      );
      for (const r of replies) statuses.set(String(r.status), (statuses.get(String(r.status)) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ 200: 45, 201: 45 });

    // The same server named by DATABASE_URL is recognised as PGlite: one connection there too.
    const target = await openDatabaseTarget(loadConfig({ DATABASE_URL: embeddedUrl(port) }));
    expect(target).toMatchObject({ kind: 'external', maxConnections: 1 });
    if (process.env.BACKENDAPI_TEST_EXTERNAL === '1') {
      expect((await openDatabaseTarget(loadConfig({ DATABASE_URL: testDatabaseUrl() }))).maxConnections).toBeUndefined();
    }
    await stop(service);
  }, 120_000);
});
