import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { createApp } from '../../src/app';
import { connectDatabase, type Database } from '../../src/db/connection';
import { httpErrorFromDatabase } from '../../src/db/errors';
import { openDatabaseTarget, type DatabaseTarget } from '../../src/db/target';
import { testConfig, testDatabaseUrl } from '../support/app';
import { startService } from '../support/process';
import { createSshd, type Sshd } from '../support/sshd';

/**
 * The SSH tunnel against a real OpenSSH sshd on a loopback port, forwarding to the test
 * PostgreSQL. Fails (does not skip) when sshd is not installed.
 */
describe('SSH tunnel to the database', () => {
  let sshd: Sshd;
  beforeAll(async () => {
    sshd = await createSshd();
  });
  afterAll(async () => {
    await sshd?.dispose();
  });

  const tunnelEnv = (overrides: Record<string, string> = {}): Record<string, string> => ({
    DATABASE_SSH_HOST: '127.0.0.1',
    DATABASE_SSH_PORT: String(sshd.port),
    DATABASE_SSH_USER: sshd.user,
    DATABASE_SSH_PRIVATE_KEY_PATH: sshd.clientKeyPath,
    DATABASE_SSH_KNOWN_HOSTS: sshd.knownHostsPath,
    DATABASE_CONNECT_TIMEOUT_MS: '2000',
    ...overrides,
  });

  const accepts = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });

  async function waitFor(what: string, ok: () => Promise<boolean> | boolean, timeoutMs: number): Promise<number> {
    const started = Date.now();
    while (!(await ok())) {
      if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await sleep(100);
    }
    return Date.now() - started;
  }

  describe('in process (createApp + a Database through openDatabaseTarget)', () => {
    let target: DatabaseTarget;
    let db: Database;

    afterEach(async () => {
      await db?.close();
      await target?.release();
    });

    it('when DATABASE_SSH_HOST is set, then the app serves a database-backed request through the tunnel, and release() closes it', async () => {
      const config = testConfig(tunnelEnv());
      target = await openDatabaseTarget(config);
      const tunnel = target.tunnel;
      expect(tunnel).toBeDefined();
      const local = new URL(target.url);
      expect(local.hostname).toBe('127.0.0.1');
      expect(Number(local.port)).toBe(tunnel?.localPort);
      expect(local.port).not.toBe(new URL(testDatabaseUrl()).port || '5432');
      expect(local.searchParams.get('schema')).toBe(new URL(testDatabaseUrl()).searchParams.get('schema'));

      db = connectDatabase({ ...config.database, url: target.url });
      const app = createApp({ config, db, extraChecks: [() => tunnel!.check()] });
      const res = await request(app).get('/readyz');
      expect(res.status).toBe(200);
      expect(res.body.checks).toEqual(
        expect.arrayContaining([{ name: 'database', ok: true }, expect.objectContaining({ name: 'tunnel', ok: true })]),
      );
      expect(sshd.sessionPids().length).toBeGreaterThan(0); // the connection really is an SSH session

      await db.close();
      await target.release();
      expect(await accepts(tunnel!.localPort)).toBe(false);
      expect(tunnel!.state().state).toBe('closed');
      // and the SSH session is gone on the bastion too
      await waitFor('sshd session to end', () => sshd.sessionPids().length === 0, 5_000);
    });

    it('when the known_hosts file lists another key for the bastion, then the tunnel is refused with a clear error', async () => {
      const config = testConfig(tunnelEnv({ DATABASE_SSH_KNOWN_HOSTS: sshd.wrongKnownHostsPath }));
      await expect(openDatabaseTarget(config)).rejects.toThrow(/host key of \[127\.0\.0\.1\]:\d+ does not match the known_hosts file/);
    });

    it('when the bastion is not in the known_hosts file, then the tunnel is refused', async () => {
      const config = testConfig(tunnelEnv({ DATABASE_SSH_KNOWN_HOSTS: '/dev/null' }));
      await expect(openDatabaseTarget(config)).rejects.toThrow(/is not in the known_hosts file/);
    });

    it('when the bastion dies, then queries fail fast as 503 and the pool serves again after it is back', async () => {
      const config = testConfig(tunnelEnv());
      target = await openDatabaseTarget(config);
      const tunnel = target.tunnel!;
      db = connectDatabase({ ...config.database, url: target.url });
      expect(await db.prisma.$queryRaw`SELECT 1 AS one`).toEqual([{ one: 1 }]);
      const port = tunnel.localPort;

      await sshd.stop();
      await waitFor('tunnel to notice', () => tunnel.state().state === 'reconnecting', 5_000);
      const started = Date.now();
      const error = await db.prisma.$queryRaw`SELECT 1`.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(Date.now() - started).toBeLessThan(2_500);
      expect(httpErrorFromDatabase(error)?.status).toBe(503);
      expect(tunnel.check()).toMatchObject({ name: 'tunnel', ok: false });

      await sshd.start();
      await waitFor(
        'the pool to serve again',
        () =>
          db.prisma.$queryRaw`SELECT 1`.then(
            () => true,
            () => false,
          ),
        20_000,
      );
      expect(tunnel.localPort).toBe(port);
      expect(tunnel.state()).toMatchObject({ state: 'open', reconnects: 1 });
    }, 40_000);
  });

  it('when the real service runs through the tunnel and the bastion is killed and restarted, then it serves again within 20 s, never crashing, and shuts the tunnel on SIGTERM', async () => {
    const env = { ...tunnelEnv(), DATABASE_URL: testDatabaseUrl(), NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' };
    const service = await startService(process.execPath, ['--require', require.resolve('tsx/cjs'), 'src/main.ts'], env, 60_000);
    try {
      const base = `http://127.0.0.1:${service.port}`;
      const localPort = Number(/SSH tunnel open: 127\.0\.0\.1:(\d+)/.exec(service.output())?.[1]);
      expect(localPort).toBeGreaterThan(0);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(((await ready.json()) as { checks: unknown[] }).checks).toContainEqual(expect.objectContaining({ name: 'tunnel', ok: true }));

      await sshd.stop();
      const killedAt = Date.now();
      // during the outage: 503 quickly, with the tunnel's state
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const res = await fetch(`${base}/readyz`);
        expect(res.status).toBe(503);
        expect(Date.now() - started).toBeLessThan(3_000);
        await sleep(300);
      }
      await sleep(3_000); // a few failed reconnect attempts: the backoff grows
      const down = (await (await fetch(`${base}/readyz`)).json()) as { checks: Array<{ name: string; ok: boolean }> };
      expect(down.checks).toContainEqual(expect.objectContaining({ name: 'tunnel', ok: false }));

      await sshd.start();
      const restartedAt = Date.now();
      const recovery = await waitFor(
        'readyz 200 after the bastion restart',
        async () => (await fetch(`${base}/readyz`)).status === 200,
        20_000,
      );
      process.stdout.write(
        `tunnel recovery: ${recovery} ms after sshd restart (outage ${restartedAt - killedAt} ms; backoff 0.5 s doubling, cap 10 s)\n`,
      );
      expect(service.output()).toMatch(/SSH tunnel re-established on 127\.0\.0\.1:(\d+)/);
      expect(service.child.exitCode).toBeNull();

      service.child.kill('SIGTERM');
      expect(await service.exited).toBe(0);
      expect(await accepts(localPort)).toBe(false);
      expect(service.output()).not.toMatch(/Unhandled|uncaught/i);
    } finally {
      if (service.child.exitCode === null) service.child.kill('SIGKILL');
    }
  }, 90_000);
});
