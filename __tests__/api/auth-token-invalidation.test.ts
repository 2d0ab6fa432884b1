/**
 * Cached tokens across instances: two apps on one database, each with its token cache and its
 * LISTEN connection (as src/main.ts starts them). A change made through one instance, or straight
 * in SQL, reaches the other through the triggers' NOTIFY; waits are bounded waits for that
 * notification, never fixed sleeps. When the listener is lost, or cannot hear anything (PGlite):
 * reliability/token-cache-degraded.test.ts.
 */
import pg from 'pg';
import request from 'supertest';
import { issueApiKey } from '../../src/auth/api-keys';
import { parsePgUrl } from '../../src/db/pg-url';
import type { Invalidation } from '../../src/auth/token-cache';
import { startTestApp, testDatabaseUrl, truncateAll, type TestApp } from '../support/app';
import { authHeader, createUser } from '../support/factories';
import { activeCache, describeOnRealServer, forKey, forUser, invalidated, me, next, service } from '../support/token-cache';

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
