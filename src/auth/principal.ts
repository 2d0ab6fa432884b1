import type { Response } from 'express';
import type { Role, ApiKeyKind, ApiKeyScope } from '../generated/prisma/client';
import { unauthorized } from '../core/errors';

/** Who is calling: set by the authenticate middleware from a valid bearer token. */
export interface Principal {
  userId: string;
  email: string;
  role: Role;
  tokenId: string;
  tokenKind: ApiKeyKind;
  /**
   * What the token may do: FULL (what its user may) or WORKER (only claim and report runs, and
   * read the content of the recordings of runs it holds; src/api/access.ts). Part of the cached
   * principal: the ApiKey trigger's NOTIFY on any change of the row drops it from every cache.
   */
  scope: ApiKeyScope;
}

export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw unauthorized('Authentication required');
  return principal;
}

export function maybePrincipal(res: Response): Principal | undefined {
  return res.locals.principal as Principal | undefined;
}
