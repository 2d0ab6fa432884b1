/**
 * The embedded database server lives as long as any of its users: `npm run studio` starts it,
 * `npm start` uses it too, and Studio's exit no longer takes it away from the app (it used to,
 * leaving the app with 503s). A server that goes away anyway is started again by the app, and the
 * last user's exit stops it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectDatabase } from '../../src/db/connection';
import { embeddedUrl, isAlive, readState, stopEmbeddedServer } from '../../src/db/embedded';
import { authHeader, createUser } from '../support/factories';
import { freePort, runTs, startService, type Started } from '../support/process';

const tsx = ['--require', require.resolve('tsx/cjs')];

async function until(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopProcess(service: Started): Promise<void> {
  service.child.kill('SIGTERM');
  await service.exited;
}

describe('the embedded database server and its users', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'backendapi-lifetime-'));
  let env: Record<string, string>;
  const started: Started[] = [];
  afterAll(async () => {
    for (const s of started) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await stopEmbeddedServer(dir).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  const dbStop = (...args: string[]) => runTs(['scripts/db-stop.ts', ...args], env);

  it('when Studio started it and exits while the app uses it, then it keeps serving the app; the last user stops it', async () => {
    const port = await freePort();
    env = { DATABASE_URL: '', EMBEDDED_DB_DIR: dir, EMBEDDED_DB_PORT: String(port) };
    const studio = await startService(process.execPath, [...tsx, 'scripts/studio.ts', '--port', '0'], env, 150_000);
    started.push(studio);
    expect(studio.output()).toMatch(/started embedded PostgreSQL/);
    const app = await startService(process.execPath, [...tsx, 'src/main.ts'], { ...env, PORT: '0', HOST: '127.0.0.1' }, 120_000);
    started.push(app);
    expect(app.output()).toMatch(/using running embedded PostgreSQL/);
    const base = `http://127.0.0.1:${app.port}`;
    const serverPid = readState(dir)?.pid as number;

    const db = connectDatabase({ url: embeddedUrl(port), poolSize: 1, connectTimeoutMs: 5_000, statementTimeoutMs: 10_000 });
    const { token } = await createUser(db).finally(() => db.close());

    await stopProcess(studio);
    expect(studio.output()).not.toMatch(/error/i);
    expect(isAlive(serverPid)).toBe(true);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/api/v1/sessions`, { headers: authHeader(token) })).status).toBe(200);

    // Stopping it under the app is refused, and names the app.
    const refused = await dbStop();
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain(`in use by pid ${app.child.pid}`);
    expect(isAlive(serverPid)).toBe(true);

    // Forced, it goes away; the app notices and starts it again on the same port.
    expect((await dbStop('--force')).code).toBe(0);
    expect(isAlive(serverPid)).toBe(false);
    await until('the app to start the server again and be ready', 60_000, async () => {
      const state = readState(dir);
      return state?.status === 'ready' && (await fetch(`${base}/readyz`)).status === 200;
    });
    const restarted = readState(dir)?.pid as number;
    expect(restarted).not.toBe(serverPid);
    expect(app.output()).toMatch(/embedded PostgreSQL server had stopped; started it again/);
    expect((await fetch(`${base}/api/v1/sessions`, { headers: authHeader(token) })).status).toBe(200);

    // The last user leaves: the server stops and clears its state.
    await stopProcess(app);
    await until('the server to stop after its last user', 20_000, () => !isAlive(restarted) && readState(dir) === undefined);
  }, 300_000);
});
