/** The token cache's own rules, and the write watch that tells it about this instance's writes. */
import { parseInvalidation, TokenCache, type CachedToken } from '../../src/auth/token-cache';
import { changedTables } from '../../src/db/write-watch';
import { startTestApp, truncateAll, type TestApp } from '../support/app';
import { createUser } from '../support/factories';

const token = (userId: string, tokenId: string, readAt = 1_000, expiresAt: number | null = null): CachedToken => ({
  principal: { userId, tokenId, email: `${userId}@example.com`, role: 'MEMBER', tokenKind: 'API', scope: 'FULL' },
  expiresAt,
  readAt,
});

describe('the token cache', () => {
  const active = (options = {}): TokenCache => {
    const cache = new TokenCache(options);
    cache.setActive(true);
    return cache;
  };

  it('when it is not active, then nothing is stored or found', () => {
    const cache = new TokenCache();
    expect(cache.set('h', token('u', 'k'), cache.generation)).toBe(false);
    expect(cache.get('h', 1_000)).toBeUndefined();
  });

  it('when a lookup started before an invalidation, then its result is not stored', () => {
    const cache = active();
    const started = cache.generation;
    cache.invalidate({ keyId: 'other' });
    expect(cache.set('h', token('u', 'k'), started)).toBe(false);
    expect(cache.get('h', 1_000)).toBeUndefined();
    expect(cache.set('h', token('u', 'k'), cache.generation)).toBe(true);
    expect(cache.get('h', 1_000)?.principal.tokenId).toBe('k');
  });

  it('when a key or a user is invalidated, then only its tokens are forgotten', () => {
    const cache = active();
    cache.set('a', token('u1', 'k1'), cache.generation);
    cache.set('b', token('u1', 'k2'), cache.generation);
    cache.set('c', token('u2', 'k3'), cache.generation);
    cache.invalidate({ keyId: 'k1' });
    expect(['a', 'b', 'c'].map((h) => cache.get(h, 1_000) !== undefined)).toEqual([false, true, true]);
    cache.invalidate({ userId: 'u1' });
    expect(['a', 'b', 'c'].map((h) => cache.get(h, 1_000) !== undefined)).toEqual([false, false, true]);
    cache.invalidate('all');
    expect(cache.size).toBe(0);
  });

  it('when an entry is older than maxAgeMs, then it is read again', () => {
    const cache = active({ maxAgeMs: 100 });
    cache.set('h', token('u', 'k', 1_000), cache.generation);
    expect(cache.get('h', 1_099)).toBeDefined();
    expect(cache.get('h', 1_100)).toBeUndefined();
    expect(cache.stats).toMatchObject({ hits: 1, misses: 1 });
  });

  it('when it is full, then the oldest read entry makes room', () => {
    const cache = active({ maxEntries: 2 });
    cache.set('a', token('u', 'a'), cache.generation);
    cache.set('b', token('u', 'b'), cache.generation);
    cache.set('a', token('u', 'a', 2_000), cache.generation); // read again: now the newest
    cache.set('c', token('u', 'c'), cache.generation);
    expect(['a', 'b', 'c'].map((h) => cache.get(h, 2_000) !== undefined)).toEqual([true, false, true]);
  });

  it('when it is switched off and on, then it starts empty', () => {
    const cache = active();
    cache.set('h', token('u', 'k'), cache.generation);
    cache.setActive(false);
    cache.setActive(true);
    expect(cache.get('h', 1_000)).toBeUndefined();
  });

  it('when a cached principal is handed out, then it cannot be changed', () => {
    const cache = active();
    cache.set('h', token('u', 'k'), cache.generation);
    const principal = cache.get('h', 1_000)?.principal as { role: string };
    expect(() => (principal.role = 'ADMIN')).toThrow(TypeError);
  });

  it.each([
    ['s1:key:0190-a', { keyId: '0190-a' }],
    ['s1:user:0190-b', { userId: '0190-b' }],
    ['s1:all', 'all'],
    ['s1:something:new', 'all'],
    ['s2:key:0190-a', undefined],
    ['s2:all', undefined],
    ['not a payload of ours', 'all'],
  ])('when the notification in schema s1 says %s, then it invalidates %j', (payload, expected) => {
    expect(parseInvalidation(payload, 's1')).toEqual(expected);
  });
});

describe('which tables a statement changes', () => {
  it.each([
    ['UPDATE "public"."ApiKey" SET "revokedAt" = $1 WHERE id = $2 RETURNING id', ['ApiKey']],
    ['DELETE FROM "test_w1"."User" WHERE id = $1', ['User']],
    ['WITH d AS (DELETE FROM "ApiKey" WHERE x RETURNING id) UPDATE "User" SET name = $1', ['ApiKey', 'User']],
    ['TRUNCATE TABLE "a"."User", "ApiKey"', ['User']],
    ['SELECT id FROM "public"."ApiKey" WHERE "tokenHash" = $1 FOR UPDATE', []],
    ['INSERT INTO "public"."ApiKey" (id) VALUES ($1)', []],
    ['INSERT INTO "public"."User" (id) VALUES ($1) ON CONFLICT (email) DO UPDATE SET name = $2', ['User']],
    ['INSERT INTO "public"."User" (id) VALUES ($1) ON CONFLICT DO NOTHING', []],
    ['COMMIT', []],
  ])('%s', (sql, tables) => {
    expect(changedTables(sql)).toEqual(tables);
  });
});

describe("the write watch on the app's Prisma Client", () => {
  let t: TestApp;
  const seen: string[][] = [];
  beforeAll(async () => {
    t = startTestApp({}, { tokenCache: undefined });
    await truncateAll(t.db);
    t.db.writes.subscribe((tables) => seen.push([...tables]));
  });
  afterAll(() => t.close());
  beforeEach(() => void seen.splice(0));

  it('when a transaction changes a key, then the table is reported once it has committed, not before', async () => {
    const { key } = await createUser(t.db);
    seen.splice(0);
    await t.db.prisma.$transaction(async (tx) => {
      await tx.apiKey.update({ where: { id: key.id }, data: { name: 'renamed' } });
      expect(seen).toEqual([]);
    });
    expect(seen).toEqual([['ApiKey']]);
  });

  it('when the transaction rolls back, then nothing is reported', async () => {
    const { user } = await createUser(t.db);
    seen.splice(0);
    const failed = t.db.prisma.$transaction(async (tx) => {
      await tx.user.update({ where: { id: user.id }, data: { name: 'never' } });
      throw new Error('roll back');
    });
    await expect(failed).rejects.toThrow('roll back');
    expect(seen).toEqual([]);
  });

  it('when a statement runs outside a transaction, then it is reported when it returns', async () => {
    const { user } = await createUser(t.db);
    seen.splice(0);
    await t.db.prisma.$executeRaw`UPDATE "User" SET name = 'raw' WHERE id = ${user.id}::uuid`;
    await t.db.prisma.user.update({ where: { id: user.id }, data: { name: 'model' } });
    expect(seen).toEqual([['User'], ['User']]);
  });
});
