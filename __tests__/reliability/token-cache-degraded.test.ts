/**
 * The token cache when it cannot hear the database's notifications: its LISTEN connection is
 * killed (requests read their tokens until it is back), or the server is PGlite, where a NOTIFY
 * never reaches another connection (the cache stays off). Waits are bounded waits for the
 * cache's events, never fixed sleeps. The cache at work: api/auth-token-invalidation.test.ts.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { WriteWatch } from '../../src/db/write-watch';
import { parsePgUrl } from '../../src/db/pg-url';
import { startTokenCache, type TokenCacheService } from '../../src/auth/token-invalidation';
import { startTestApp, testDatabaseUrl, truncateAll, type TestApp } from '../support/app';
import { createUser } from '../support/factories';
import { activeCache, describeOnRealServer, forKey, me, next } from '../support/token-cache';

describeOnRealServer('when the listening connection drops', () => {
  let t: TestApp;
  let admin: pg.Client;
  beforeAll(async () => {
    t = startTestApp({}, { tokenCache: undefined });
    await truncateAll(t.db);
    admin = new pg.Client(parsePgUrl(testDatabaseUrl()).config);
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await t.close();
  });

  async function withCache(reconnectMinMs: number, run: (s: TokenCacheService, app: TestApp) => Promise<void>): Promise<void> {
    const s = startTokenCache({
      url: testDatabaseUrl(),
      pool: t.db.pool,
      writes: t.db.writes,
      reconnectMinMs,
      reconnectMaxMs: reconnectMinMs,
    });
    const app = startTestApp({}, { tokenCache: s.cache });
    try {
      await activeCache(s);
      await run(s, app);
    } finally {
      await s.close();
      await app.db.close();
    }
  }

  const terminate = async (s: TokenCacheService): Promise<void> => {
    const down = next<boolean>(s.cache.events, 'active', (v) => !v);
    const { rows } = await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [s.listener.backendPid]);
    expect(rows[0]?.ok).toBe(true);
    await down;
  };

  it('then every request reads its token until it is back, and a revocation it could not hear still holds', async () => {
    await withCache(60_000, async (s, app) => {
      const kept = await createUser(t.db);
      const revoked = await createUser(t.db);
      expect([await me(app, kept.token), await me(app, revoked.token), await me(app, revoked.token)]).toEqual([200, 200, 200]);
      await terminate(s);
      expect(s.listener.live).toBe(false);
      await admin.query(`UPDATE "ApiKey" SET "revokedAt" = now() WHERE id = $1`, [revoked.key.id]); // its NOTIFY reaches no one
      const { hits, misses } = s.cache.stats;
      expect([await me(app, revoked.token), await me(app, kept.token), await me(app, kept.token)]).toEqual([401, 200, 200]);
      expect(s.cache.stats).toMatchObject({ hits, misses: misses + 3 });
    });
  });

  it('then it reconnects, and the cache works again from empty', async () => {
    await withCache(100, async (s, app) => {
      const { token, key } = await createUser(t.db);
      expect([await me(app, token), await me(app, token)]).toEqual([200, 200]);
      const before = s.listener.backendPid;
      await terminate(s);
      await activeCache(s);
      expect(s.listener.backendPid).not.toBe(before);
      const { hits } = s.cache.stats;
      expect([await me(app, token), await me(app, token)]).toEqual([200, 200]);
      expect(s.cache.stats.hits).toBe(hits + 1);
      const heard = next(s.cache.events, 'invalidated', forKey(key.id));
      await admin.query(`UPDATE "ApiKey" SET "revokedAt" = now() WHERE id = $1`, [key.id]);
      await heard;
      expect(await me(app, token)).toBe(401);
    });
  });
});

/** Starts __tests__/support/pglite-memory-server.ts; resolves with its URL and a stop function. */
function startPglite(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['--require', require.resolve('tsx/cjs'), path.join(__dirname, '..', 'support', 'pglite-memory-server.ts')],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /pglite serving (\S+)/.exec(out);
      if (match) resolve({ url: `postgresql://postgres:postgres@${match[1] as string}/postgres`, stop });
    });
    void exited.then(() => reject(new Error(`the PGlite server exited: ${out}`)));
  });
}

describe('on a PGlite server (the embedded database)', () => {
  it('when notifications cannot travel between its connections, then the listener never goes live and the cache stays off', async () => {
    const server = await startPglite();
    const pool = new pg.Pool({ ...parsePgUrl(server.url).config, max: 1 });
    const s = startTokenCache({
      url: server.url,
      pool,
      writes: new WriteWatch(),
      probeEveryMs: 100,
      probeTimeoutMs: 300,
      reconnectMinMs: 50,
      reconnectMaxMs: 50,
    });
    const wentLive: boolean[] = [];
    s.listener.events.on('live', (live: boolean) => wentLive.push(live));
    try {
      // PGlite is one session: a NOTIFY comes back on the connection that sent it (here the
      // pool's), never on the listener's. Three probes in a row time out, each followed by a reconnect.
      for (let i = 0; i < 3; i++) expect(await next<number>(s.listener.events, 'connected', () => true)).toEqual(expect.any(Number));
      expect(wentLive).toEqual([]);
      expect(s.cache.isActive).toBe(false);
    } finally {
      await s.close();
      await pool.end();
      await server.stop();
    }
  }, 60_000);
});
