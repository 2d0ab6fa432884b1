import type { RequestHandler } from 'express';
import { maybePrincipal } from '../../auth/principal';
import type { RequestLimiter } from '../../auth/rate-limits';

/** The general per-token limit (RATE_LIMIT_PER_MINUTE): counts every authenticated request. */
export function perTokenLimit(limiter: RequestLimiter): RequestHandler {
  return async (_req, res, next) => {
    const principal = maybePrincipal(res);
    if (principal) await limiter.hit(`token:${principal.tokenId}`);
    next();
  };
}
