/**
 * examples/basic_usage.ts, run as a user would: a child process against the real server
 * (src/main.ts on the test database). It must succeed, with a key or with a password, and say
 * clearly what is missing when it is not told where or as whom to connect.
 */
import { startTestApp, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import { exampleRunner, startServer } from '../support/example-client';
import { freePort } from '../support/process';

const example = exampleRunner('examples/basic_usage.ts');
const runExample = (env: Record<string, string>, args: string[] = []) => example.run(env, args);

describe('examples/basic_usage.ts against a running server', () => {
  let t: TestApp;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let baseUrl: string;
  beforeAll(async () => {
    t = startTestApp();
    // Other test files of this worker log in wrongly from 127.0.0.1 on purpose; the per-IP
    // login limit is tested in auth-login.test.ts, not here.
    server = await startServer({ AUTH_LOGIN_MAX_FAILURES: '100000' });
    baseUrl = server.baseUrl;
  }, 70_000);
  afterAll(async () => {
    await server?.stop();
    await t.close();
    example.remove();
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
