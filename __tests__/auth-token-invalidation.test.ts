/**
 * Cached tokens across instances: two apps on one database, each with its token cache and its
 * LISTEN connection (as src/main.ts starts them). A change made through one instance, or straight
 * in SQL, reaches the other through the triggers' NOTIFY; waits are bounded waits for that
 * notification, never fixed sleeps.
 */
import { spawn } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import path from 'node:path';
import pg from 'pg';
import request from 'supertest';
import { issueApiKey } from '../src/auth/api-keys';
import { WriteWatch } from '../src/db/write-watch';
import { parsePgUrl } from '../src/db/pg-url';
import { startTokenCache, type TokenCacheService } from '../src/auth/token-invalidation';
import type { Invalidation } from '../src/auth/token-cache';
import { startTestApp, testDatabaseUrl, truncateAll, type TestApp } from './support/app';
import { authHeader, createUser } from './support/factories';

/** Resolves with the first `event` whose argument passes `accept`; fails after `ms`. */
function next<T>(emitter: EventEmitter, event: string, accept: (value: T) => boolean, ms = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no ${event} within ${ms} ms`));
    }, ms);
    function listener(value: T): void {
      if (!accept(value)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(value);
    }
    emitter.on(event, listener);
  });
}

const service = (t: TestApp): TokenCacheService => t.tokens as TokenCacheService;
const activeCache = async (s: TokenCacheService): Promise<void> => {
  if (!s.cache.isActive) await next<boolean>(s.cache.events, 'active', (v) => v);
};
const invalidated = (t: TestApp, accept: (i: Invalidation) => boolean): Promise<Invalidation> =>
  next(service(t).cache.events, 'invalidated', accept);
const forKey = (id: string) => (i: Invalidation) => typeof i === 'object' && 'keyId' in i && i.keyId === id;
const forUser = (id: string) => (i: Invalidation) => typeof i === 'object' && 'userId' in i && i.userId === id;
const me = (t: TestApp, token: string): Promise<number> =>
  request(t.app)
    .get('/api/v1/auth/me')
    .set(authHeader(token))
    .then((r) => r.status);

// The embedded server runs without the cache (src/main.ts); the PGlite test below shows why.
const describeOnRealServer = process.env.TEST_DATABASE_URL ? describe : describe.skip;

describeOnRealServer('two instances on one database', () => {
  let a: TestApp;
  let b: TestApp;
  let admin: pg.Client;
  beforeAll(async () => {
    [a, b] = [startTestApp(), startTestApp()];
    await truncateAll(a.db);
    await Promise.all([activeCache(service(a)), activeCache(service(b))]);
    admin = new pg.Client(parsePgUrl(testDatabaseUrl()).config);
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await Promise.all([a.close(), b.close()]);
  });

  it('when a token is used twice on an instance, then the second use is answered from its cache', async () => {
    const { token } = await createUser(a.db);
    const { hits } = service(b).cache.stats;
    expect(await me(b, token)).toBe(200);
    expect(await me(b, token)).toBe(200);
    expect(service(b).cache.stats.hits).toBe(hits + 1);
  });

  it('when a key is revoked on one instance, then the other refuses it once the notification is in', async () => {
    const { token, key } = await createUser(a.db);
    expect([await me(a, token), await me(b, token), await me(b, token)]).toEqual([200, 200, 200]);
    const heard = invalidated(b, forKey(key.id));
    expect((await request(a.app).delete(`/api/v1/api-keys/${key.id}`).set(authHeader(token))).status).toBe(204);
    await heard;
    expect(await me(b, token)).toBe(401);
    expect(await me(a, token)).toBe(401);
  });

  it('when an admin demotes a user on one instance, then the other applies the new role', async () => {
    const boss = await createUser(a.db, { role: 'ADMIN' });
    const demoted = await createUser(a.db, { role: 'ADMIN' });
    const schema = (): Promise<number> =>
      request(b.app)
        .get('/api/v1/_schema')
        .set(authHeader(demoted.token))
        .then((r) => r.status);
    expect([await schema(), await schema()]).toEqual([200, 200]);
    const heard = invalidated(b, forUser(demoted.user.id));
    const patched = await request(a.app).patch(`/api/v1/users/${demoted.user.id}`).set(authHeader(boss.token)).send({ role: 'MEMBER' });
    expect(patched.status).toBe(200);
    await heard;
    expect(await schema()).toBe(403);
  });

  it('when a user is disabled or deleted in SQL, not through the API, then every instance refuses their tokens', async () => {
    const disabled = await createUser(a.db);
    const deleted = await createUser(a.db);
    for (const t of [a, b]) expect([await me(t, disabled.token), await me(t, deleted.token)]).toEqual([200, 200]);
    const heard = [a, b].flatMap((t) => [invalidated(t, forUser(disabled.user.id)), invalidated(t, forKey(deleted.key.id))]);
    await admin.query(`UPDATE "User" SET "disabledAt" = now() WHERE id = $1`, [disabled.user.id]);
    await admin.query(`DELETE FROM "EventLog" WHERE "actorId" = $1`, [deleted.user.id]);
    await admin.query(`DELETE FROM "User" WHERE id = $1`, [deleted.user.id]); // its keys go by cascade
    await Promise.all(heard);
    for (const t of [a, b]) expect([await me(t, disabled.token), await me(t, deleted.token)]).toEqual([401, 401]);
  });

  it('when the instance that logs out is asked again at once, then it refuses without waiting for the notification', async () => {
    const { token } = await createUser(a.db);
    expect([await me(a, token), await me(a, token)]).toEqual([200, 200]);
    // Only the local write watch is left to tell the cache: notifications are ignored here.
    const handlers = service(a).listener.events.listeners('notification') as Array<(payload: string) => void>;
    service(a).listener.events.removeAllListeners('notification');
    try {
      expect((await request(a.app).post('/api/v1/auth/logout').set(authHeader(token))).status).toBe(204);
      expect(await me(a, token)).toBe(401);
    } finally {
      for (const handler of handlers) service(a).listener.events.on('notification', handler);
    }
  });

  it('when a cached token reaches its expiry, then it is refused without any notification', async () => {
    const { user } = await createUser(a.db);
    const expiresAt = new Date(Date.now() + 3_000);
    const { token } = await issueApiKey(a.db.prisma, { userId: user.id, name: 'short', expiresAt }, user.id);
    expect([await me(b, token), await me(b, token)]).toEqual([200, 200]);
    const { invalidations, hits } = service(b).cache.stats;
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt.getTime() - Date.now() + 50)));
    expect(await me(b, token)).toBe(401);
    expect(service(b).cache.stats.hits).toBe(hits + 1); // refused from the cached entry
    expect(service(b).cache.stats.invalidations).toBe(invalidations);
  });

  it('when only lastUsedAt is written, then nothing is invalidated; when the entry is read again, the use is recorded', async () => {
    const s = service(b);
    const { token, key } = await createUser(a.db);
    const other = await createUser(a.db);
    const lastUsed = async (): Promise<Date | null> =>
      (await admin.query<{ at: Date | null }>(`SELECT "lastUsedAt" AS at FROM "ApiKey" WHERE id = $1`, [key.id])).rows[0]?.at ?? null;
    const until = async (done: (at: Date | null) => boolean): Promise<void> => {
      const deadline = Date.now() + 10_000;
      while (!done(await lastUsed())) {
        if (Date.now() > deadline) throw new Error('lastUsedAt was not written within 10 s');
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    expect([await me(b, token), await me(b, token)]).toEqual([200, 200]);
    await until((at) => at !== null); // the first use's write (not awaited by the request)

    const old = new Date(Date.now() - 5 * 60_000);
    await admin.query(`UPDATE "ApiKey" SET "lastUsedAt" = $2 WHERE id = $1`, [key.id, old]);
    // Notifications arrive in commit order: once the sentinel's is in, the lastUsedAt one would have been.
    const seen: Invalidation[] = [];
    const record = (i: Invalidation): number => seen.push(i);
    s.cache.events.on('invalidated', record);
    const sentinel = next(s.cache.events, 'invalidated', forKey(other.key.id));
    await admin.query(`UPDATE "ApiKey" SET "revokedAt" = now() WHERE id = $1`, [other.key.id]);
    await sentinel;
    s.cache.events.off('invalidated', record);
    expect(seen).toEqual([{ keyId: other.key.id }]);

    const { hits, misses } = s.cache.stats;
    expect(await me(b, token)).toBe(200);
    expect(s.cache.stats.hits).toBe(hits + 1); // from the cache: nothing read, nothing written
    expect(await lastUsed()).toEqual(old);
    // An entry is read again at the end of its minute (maxAgeMs, see token-cache.test.ts); forgetting it does the same now.
    s.cache.invalidate({ keyId: key.id });
    expect(await me(b, token)).toBe(200);
    expect(s.cache.stats.misses).toBe(misses + 1);
    await until((at) => at !== null && at.getTime() > old.getTime());
  });
});

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
    ['--require', require.resolve('tsx/cjs'), path.join(__dirname, 'support', 'pglite-memory-server.ts')],
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
