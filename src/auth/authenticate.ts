/**
 * Authentication: `Authorization: Bearer <token>` → res.locals.principal. A request without
 * the header goes on unauthenticated (routes decide with access()); a header that is
 * malformed, unknown, expired, revoked, or belongs to a disabled user is a 401.
 */
import type { RequestHandler } from 'express';
import type { PrismaClient } from '../generated/prisma/client';
import { unauthorized } from '../core/errors';
import { logger } from '../core/logging';
import { hashToken, looksLikeToken } from './tokens';
import type { Principal } from './principal';

/** lastUsedAt is written at most this often per token, so reads do not become writes. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export function authenticate(prisma: PrismaClient): RequestHandler {
  return async (req, res, next) => {
    const header = req.get('authorization');
    if (header === undefined) return next();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized('The Authorization header must be "Bearer <token>"');
    const secret = match[1] as string;
    if (!looksLikeToken(secret)) throw unauthorized('The token is not valid');

    const key = await prisma.apiKey.findUnique({
      where: { tokenHash: hashToken(secret) },
      select: {
        id: true,
        kind: true,
        expiresAt: true,
        revokedAt: true,
        lastUsedAt: true,
        user: { select: { id: true, email: true, role: true, disabledAt: true } },
      },
    });
    const now = new Date();
    if (!key || key.revokedAt || (key.expiresAt && key.expiresAt <= now) || key.user.disabledAt) {
      throw unauthorized('The token is not valid, has expired or was revoked');
    }
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      // Not awaited: bookkeeping must not slow or fail the request.
      prisma.apiKey
        .updateMany({ where: { id: key.id }, data: { lastUsedAt: now } })
        .catch((err: unknown) => logger.warn('could not record token use', { error: (err as Error).message }));
    }
    const principal: Principal = { userId: key.user.id, email: key.user.email, role: key.user.role, tokenId: key.id, tokenKind: key.kind };
    res.locals.principal = principal;
    next();
  };
}
