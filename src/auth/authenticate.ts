/**
 * Authentication: `Authorization: Bearer <token>` → res.locals.principal. A request without
 * the header goes on unauthenticated (routes decide with access()); a header that is
 * malformed, unknown, expired, revoked, or belongs to a disabled user is a 401.
 *
 * Every API request passes here. A token seen recently is answered from the token cache
 * (src/auth/token-cache.ts: no database work, revocation still immediate); otherwise the lookup
 * is one hand-written SQL statement (token and user in one round trip) rather than a Prisma query
 * with a relation, which costs two statements and the query compiler's time (npm run bench).
 */
import type { RequestHandler } from 'express';
import type { ApiKeyKind, ApiKeyScope, Role } from '../generated/prisma/client';
import type { Database } from '../db/connection';
import { sqlNames, type SqlNames } from '../db/sql-names';
import { unauthorized } from '../core/errors';
import { logger } from '../core/logging';
import { hashToken, looksLikeToken } from './tokens';
import type { Principal } from './principal';
import type { CachedToken, TokenCache } from './token-cache';

/**
 * lastUsedAt is written at most this often per token (and instance), so reads do not become
 * writes. A cached token is read again after the cache's maxAgeMs (the same minute by default),
 * and only then is lastUsedAt brought up to date.
 */
export const LAST_USED_RESOLUTION_MS = 60_000;

interface KeyRow {
  id: string;
  kind: ApiKeyKind;
  scope: ApiKeyScope;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  userId: string;
  email: string;
  role: Role;
  disabledAt: Date | null;
}

/** The two statements: a token's key and user by the token's hash ($1); a key's lastUsedAt ($1 key, $2 now, $3 not after). */
export function authStatements(names: SqlNames): { lookup: string; touch: string } {
  const K = names.table('ApiKey');
  const U = names.table('User');
  const k = K.c;
  const u = U.c;
  return {
    lookup: `SELECT k.${k.id} AS id, k.${k.kind}::text AS kind, k.${k.scope}::text AS scope, k.${k.expiresAt} AS "expiresAt",
                    k.${k.revokedAt} AS "revokedAt", k.${k.lastUsedAt} AS "lastUsedAt",
                    u.${u.id} AS "userId", u.${u.email} AS email, u.${u.role}::text AS role, u.${u.disabledAt} AS "disabledAt"
               FROM ${K.table} k JOIN ${U.table} u ON u.${u.id} = k.${k.userId}
              WHERE k.${k.tokenHash} = $1`,
    // The condition makes concurrent requests of one token write the row once, not once each.
    touch: `UPDATE ${K.table} SET ${k.lastUsedAt} = $2
             WHERE ${k.id} = $1 AND (${k.lastUsedAt} IS NULL OR ${k.lastUsedAt} <= $3)`,
  };
}

export function authenticate(db: Pick<Database, 'pool' | 'schema'>, cache?: TokenCache): RequestHandler {
  const { lookup, touch } = authStatements(sqlNames(db.schema));

  async function read(tokenHash: string, now: number): Promise<CachedToken> {
    const generation = cache?.generation ?? 0;
    const key = (await db.pool.query<KeyRow>(lookup, [tokenHash])).rows[0];
    if (!key || key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= now) || key.disabledAt) {
      throw unauthorized('The token is not valid, has expired or was revoked');
    }
    if (!key.lastUsedAt || now - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      // Not awaited: bookkeeping must not slow or fail the request.
      db.pool
        .query(touch, [key.id, new Date(now), new Date(now - LAST_USED_RESOLUTION_MS)])
        .catch((err: unknown) => logger.warn('could not record token use', { error: (err as Error).message }));
    }
    const principal: Principal = {
      userId: key.userId,
      email: key.email,
      role: key.role,
      tokenId: key.id,
      tokenKind: key.kind,
      scope: key.scope,
    };
    const token: CachedToken = { principal, expiresAt: key.expiresAt?.getTime() ?? null, readAt: now };
    cache?.set(tokenHash, token, generation);
    return token;
  }

  return async (req, res, next) => {
    const header = req.get('authorization');
    if (header === undefined) return next();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized('The Authorization header must be "Bearer <token>"');
    const secret = match[1] as string;
    if (!looksLikeToken(secret)) throw unauthorized('The token is not valid');

    const tokenHash = hashToken(secret);
    const now = Date.now();
    const token = cache?.get(tokenHash, now) ?? (await read(tokenHash, now));
    // Expiry is checked here, so a cached token ends on time.
    if (token.expiresAt !== null && token.expiresAt <= now) throw unauthorized('The token is not valid, has expired or was revoked');
    res.locals.principal = token.principal;
    next();
  };
}
