/**
 * The principals of recently used tokens, in process memory, so that a request with a known
 * token costs no database round trip. Revocation stays immediate:
 *
 * - every instance LISTENs on AUTH_CHANNEL; triggers on "ApiKey" and "User" (migration
 *   20261129000000_auth_change_notifications) NOTIFY it when a key changes (revoked, expiry,
 *   owner) or is deleted, and when a user changes at all (role, e-mail, password, disabled) or is
 *   deleted — whichever code, script or SQL console made the change;
 * - the instance that made the change forgets every cached token at its commit already
 *   (src/db/write-watch.ts), before the notification comes back;
 * - the cache is used only while the listener is live (a NOTIFY sent through the pool has come
 *   back on it): when it drops, every request reads the database until it is back, and the
 *   cache starts empty again (notifications may have been missed meanwhile);
 * - a lookup that was in flight while anything was invalidated is not stored (it may have read
 *   the row before the change);
 * - an entry lives at most `maxAgeMs`, then the row is read again — which is also when lastUsedAt
 *   is written (src/auth/authenticate.ts), so its granularity is what it was;
 * - expiry is checked on every request against the cached expiresAt.
 */
import { EventEmitter } from 'node:events';
import type { Principal } from './principal';
import { LAST_USED_RESOLUTION_MS } from './authenticate';

/**
 * The NOTIFY channel of the triggers; payloads `<schema>:key:<ApiKey.id>`,
 * `<schema>:user:<User.id>` or `<schema>:all` (the channel is the whole database's).
 */
export const AUTH_CHANNEL = 'backendapi_auth';

export interface CachedToken {
  principal: Readonly<Principal>;
  /** Epoch ms, or null for a token that does not expire. */
  expiresAt: number | null;
  /** When the row was read (epoch ms). */
  readAt: number;
}

export type Invalidation = { keyId: string } | { userId: string } | 'all';

export interface TokenCacheOptions {
  maxEntries?: number;
  maxAgeMs?: number;
}

/** What a notification invalidates in `schema`; undefined when it is about another schema. */
export function parseInvalidation(payload: string, schema: string): Invalidation | undefined {
  const [of, kind, id] = payload.split(':', 3);
  if (of !== schema && /^[a-z_][a-z0-9_]*$/.test(of ?? '')) return undefined;
  if (of === schema && kind === 'key' && id) return { keyId: id };
  if (of === schema && kind === 'user' && id) return { userId: id };
  return 'all'; // 'all', or anything not understood: forgetting everything is always safe
}

export class TokenCache {
  /** 'invalidated' (Invalidation) after each invalidation, 'active' (boolean) on every change. */
  readonly events = new EventEmitter();
  readonly stats = { hits: 0, misses: 0, invalidations: 0 };
  readonly maxEntries: number;
  readonly maxAgeMs: number;
  private readonly entries = new Map<string, CachedToken>();
  private active = false;
  private version = 0;

  constructor(options: TokenCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    // Re-reading a token is when its lastUsedAt is brought up to date: keep the same minute.
    this.maxAgeMs = options.maxAgeMs ?? LAST_USED_RESOLUTION_MS;
  }

  get isActive(): boolean {
    return this.active;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Counts every change of what may be cached; a lookup stores its result only if it did not move. */
  get generation(): number {
    return this.version;
  }

  /** On only while invalidations are known to arrive; either way the cache starts empty. */
  setActive(active: boolean): void {
    this.entries.clear();
    this.version++;
    if (this.active === active) return;
    this.active = active;
    this.events.emit('active', active);
  }

  get(tokenHash: string, now: number): CachedToken | undefined {
    const entry = this.active ? this.entries.get(tokenHash) : undefined;
    if (entry && now - entry.readAt < this.maxAgeMs) {
      this.stats.hits++;
      return entry;
    }
    if (entry) this.entries.delete(tokenHash);
    this.stats.misses++;
    return undefined;
  }

  /** Stores a lookup started at `generation`; false if the cache is off or anything changed since. */
  set(tokenHash: string, entry: CachedToken, generation: number): boolean {
    if (!this.active || generation !== this.version) return false;
    this.entries.delete(tokenHash);
    if (this.entries.size >= this.maxEntries) {
      // Maps keep insertion order, and a re-read entry is re-inserted: the first is the oldest read.
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(tokenHash, { ...entry, principal: Object.freeze({ ...entry.principal }) });
    return true;
  }

  invalidate(target: Invalidation): void {
    this.version++;
    this.stats.invalidations++;
    if (target === 'all') {
      this.entries.clear();
    } else {
      for (const [hash, entry] of this.entries) {
        const { principal } = entry;
        if ('keyId' in target ? principal.tokenId === target.keyId : principal.userId === target.userId) this.entries.delete(hash);
      }
    }
    this.events.emit('invalidated', target);
  }
}
