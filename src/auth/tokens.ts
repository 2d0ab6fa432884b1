/**
 * Bearer tokens: opaque random strings with a recognisable prefix (`bk_login_…` for login
 * tokens, `bk_api_…` for API keys) so leaked ones are easy to spot. 32 random bytes (256 bits);
 * only their SHA-256 is stored, and lookups go by that hash, so no secret is ever compared.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ApiKeyKind } from '../generated/prisma/client';

const PREFIXES: Record<ApiKeyKind, string> = { LOGIN: 'bk_login_', API: 'bk_api_' };
/** How many characters of a token are kept for display (`prefix`). */
export const DISPLAY_PREFIX_LENGTH = 14;

export interface NewToken {
  secret: string;
  tokenHash: string;
  prefix: string;
}

export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function generateToken(kind: ApiKeyKind): NewToken {
  const secret = `${PREFIXES[kind]}${randomBytes(32).toString('base64url')}`;
  return { secret, tokenHash: hashToken(secret), prefix: secret.slice(0, DISPLAY_PREFIX_LENGTH) };
}

/** A cheap shape check before any database lookup. */
export function looksLikeToken(value: string): boolean {
  return /^bk_(login|api)_[A-Za-z0-9_-]{43}$/.test(value);
}
