/**
 * For the token cache tests: waiting for the cache's and the listener's events (bounded waits for
 * a notification, never fixed sleeps), and asking an app who the caller is.
 */
import type { EventEmitter } from 'node:events';
import request from 'supertest';
import type { TokenCacheService } from '../../src/auth/token-invalidation';
import type { Invalidation } from '../../src/auth/token-cache';
import type { TestApp } from './app';
import { authHeader } from './factories';

/** Resolves with the first `event` whose argument passes `accept`; fails after `ms`. */
export function next<T>(emitter: EventEmitter, event: string, accept: (value: T) => boolean, ms = 10_000): Promise<T> {
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

export const service = (t: TestApp): TokenCacheService => t.tokens as TokenCacheService;
export const activeCache = async (s: TokenCacheService): Promise<void> => {
  if (!s.cache.isActive) await next<boolean>(s.cache.events, 'active', (v) => v);
};
export const invalidated = (t: TestApp, accept: (i: Invalidation) => boolean): Promise<Invalidation> =>
  next(service(t).cache.events, 'invalidated', accept);
export const forKey = (id: string) => (i: Invalidation) => typeof i === 'object' && 'keyId' in i && i.keyId === id;
export const forUser = (id: string) => (i: Invalidation) => typeof i === 'object' && 'userId' in i && i.userId === id;
export const me = (t: TestApp, token: string): Promise<number> =>
  request(t.app)
    .get('/api/v1/auth/me')
    .set(authHeader(token))
    .then((r) => r.status);

// The embedded server runs without the cache (src/main.ts); reliability/token-cache-degraded.test.ts shows why.
export const describeOnRealServer = process.env.TEST_DATABASE_URL ? describe : describe.skip;
