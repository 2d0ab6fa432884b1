import type { Response } from 'express';
import type { Role, ApiKeyKind } from '../generated/prisma/client';
import { unauthorized } from '../core/errors';

/** Who is calling: set by the authenticate middleware from a valid bearer token. */
export interface Principal {
  userId: string;
  email: string;
  role: Role;
  tokenId: string;
  tokenKind: ApiKeyKind;
}

export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw unauthorized('Authentication required');
  return principal;
}

export function maybePrincipal(res: Response): Principal | undefined {
  return res.locals.principal as Principal | undefined;
}
