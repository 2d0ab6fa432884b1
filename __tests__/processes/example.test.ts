/**
 * examples/basic_usage.ts, run as a user would: a child process against the real server
 * (src/main.ts on the test database). It must succeed, with a key or with a password, and say
 * clearly what is missing when it is not told where or as whom to connect.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestApp, testDatabaseUrl, type TestApp } from '../support/app';
import { expectLoggedExchangesConform } from '../support/contract-hook';
import { createUser } from '../support/factories';
import { freePort, ROOT, startService, type Started } from '../support/process';

const logDir = mkdtempSync(path.join(os.tmpdir(), 'backendapi-example-'));
let runs = 0;

/**
 * Runs the example; every response it receives is logged (support/exchange-log.ts) and checked
 * against the OpenAPI document here, like the responses the tests receive themselves.
 */
async function runExample(
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; output: string; responses: number }> {
  const log = path.join(logDir, `run-${++runs}.jsonl`);
  const preload = ['--require', require.resolve('tsx/cjs'), '--require', path.join(__dirname, '..', 'support', 'exchange-log.ts')];
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [...preload, 'examples/basic_usage.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', BACKENDAPI_EXCHANGE_LOG: log, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
  return { code, output, responses: expectLoggedExchangesConform(log) };
}

describe('examples/basic_usage.ts against a running server', () => {
  let t: TestApp;
  let service: Started;
  let baseUrl: string;
  beforeAll(async () => {
    t = startTestApp();
    service = await startService(
      process.execPath,
      ['--require', require.resolve('tsx/cjs'), 'src/main.ts'],
      // Other test files of this worker log in wrongly from 127.0.0.1 on purpose; the per-IP
      // login limit is tested in auth-login.test.ts, not here.
      { DATABASE_URL: testDatabaseUrl(), PORT: '0', HOST: '127.0.0.1', AUTH_LOGIN_MAX_FAILURES: '100000' },
      30_000,
    );
    baseUrl = `http://127.0.0.1:${service.port}`;
  }, 40_000);
  afterAll(async () => {
    if (service?.child.exitCode === null) {
      service.child.kill('SIGTERM');
      await service.exited;
    }
    await t.close();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('when given a base URL and an API key, then it runs every step and exits 0', async () => {
    const { token } = await createUser(t.db);
    const { code, output, responses } = await runExample({ BASE_URL: baseUrl, TOKEN: token });
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('✔ done') });
    expect(responses).toBeGreaterThan(10); // all of them checked against the OpenAPI document
    expect(output).toContain('Idempotent-Replayed: true');
    expect(output).toMatch(/412 Precondition Failed/);
    expect(output).toContain('recording.created');
  }, 60_000);

  it('when given e-mail and password as arguments, then it logs in, runs and logs out', async () => {
    const { user } = await createUser(t.db, { password: 'example password 1' });
    const { code, output } = await runExample({}, ['--base-url', baseUrl, '--email', user.email, '--password', 'example password 1']);
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('logged out') });
  }, 60_000);

  it('when the base URL or the credentials are missing, then it says so and exits 2', async () => {
    const { code, output } = await runExample({});
    expect(code).toBe(2);
    expect(output).toContain('Missing a base URL (BASE_URL or --base-url) and a token (TOKEN) or EMAIL and PASSWORD');
  });

  it('when no server listens at the base URL, then it names the URL and says to start the server, not just "fetch failed"', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const { code, output } = await runExample({ BASE_URL: nowhere, TOKEN: 'bk_api_whatever' });
    expect(code).toBe(1);
    expect(output).toContain(`✘ cannot reach the API at ${nowhere} (ECONNREFUSED). Is the server running (npm start)?`);
    expect(output).toContain('BASE_URL');
  });

  it('when a step fails (a revoked key), then it exits 1 and names the step', async () => {
    const { token, key } = await createUser(t.db);
    await t.db.prisma.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    const { code, output } = await runExample({ BASE_URL: baseUrl, TOKEN: token });
    expect(code).toBe(1);
    expect(output).toMatch(/✘ who am I: HTTP 401/);
  });
});
