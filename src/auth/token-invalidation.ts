/**
 * Starts the token cache of one instance and keeps it honest (see src/auth/token-cache.ts):
 * on while its LISTEN connection is live, told of every change to keys and users by NOTIFY
 * and, for this instance's own writes, at commit.
 */
import type pg from 'pg';
import { logger } from '../core/logging';
import { listen, type ListenerOptions, type NotificationListener } from '../db/notifications';
import { parsePgUrl } from '../db/pg-url';
import type { WriteWatch } from '../db/write-watch';
import { AUTH_CHANNEL, parseInvalidation, TokenCache, type TokenCacheOptions } from './token-cache';

export interface TokenCacheService {
  cache: TokenCache;
  listener: NotificationListener;
  close(): Promise<void>;
}

export interface TokenCacheServiceOptions
  extends
    TokenCacheOptions,
    Pick<ListenerOptions, 'probeEveryMs' | 'probeTimeoutMs' | 'reconnectMinMs' | 'reconnectMaxMs' | 'applicationName'> {
  /** The database to listen on (the URL the pool uses). */
  url: string;
  /** The app's pool: sends the listener's delivery probes. */
  pool: pg.Pool;
  /** This instance's committed writes (Database.writes). */
  writes: WriteWatch;
}

/** Tables whose changes can change what a token resolves to. */
const AUTH_TABLES = ['ApiKey', 'User'];

export function startTokenCache(options: TokenCacheServiceOptions): TokenCacheService {
  const cache = new TokenCache(options);
  const listener = listen({
    ...options,
    channel: AUTH_CHANNEL,
    applicationName: options.applicationName ?? 'backendapi-auth-listener',
    notify: (channel, payload) => options.pool.query('SELECT pg_notify($1, $2)', [channel, payload]),
  });
  listener.events.on('live', (live: boolean) => {
    cache.setActive(live);
    if (live) logger.info('token cache on: change notifications arrive');
    else logger.warn('token cache off until the change-notification connection is back: every request reads its token');
  });
  const { schema } = parsePgUrl(options.url);
  listener.events.on('notification', (payload: string) => {
    const invalidation = parseInvalidation(payload, schema);
    if (invalidation) cache.invalidate(invalidation);
  });
  const unsubscribe = options.writes.subscribe((tables) => {
    if (AUTH_TABLES.some((t) => tables.has(t))) cache.invalidate('all');
  });
  return {
    cache,
    listener,
    async close() {
      unsubscribe();
      await listener.close();
    },
  };
}
