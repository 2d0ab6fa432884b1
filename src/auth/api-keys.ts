/**
 * API keys and login tokens (both are ApiKey rows, told apart by `kind`): issue, list, read,
 * revoke. Members reach only their own rows; another user's row is "not found" (404), never
 * "forbidden", so ids cannot be probed. Secrets are returned once, by issue, and never stored.
 */
import type { ApiKeyKind, ApiKeyScope, Prisma, PrismaClient } from '../generated/prisma/client';
import { notFound } from '../core/errors';
import { recordEvent, snapshot } from '../resources/audit';
import { decodeCursor, encodeCursor, invalidCursor, type CursorKey } from '../resources/cursor';
import type { Principal } from './principal';
import { generateToken } from './tokens';

/** The fields of a key that may leave the server (never tokenHash). */
export const PUBLIC_KEY_SELECT = {
  id: true,
  userId: true,
  name: true,
  kind: true,
  scope: true,
  prefix: true,
  expiresAt: true,
  lastUsedAt: true,
  revokedAt: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.ApiKeySelect;

/** Keys' changes appear in the event log as this entity type (not a registered resource: src/resources/audit.ts). */
export type ApiKeyEntityType = 'apikey';

export type PublicKey = Prisma.ApiKeyGetPayload<{ select: typeof PUBLIC_KEY_SELECT }>;
export type IssuedKey = PublicKey & { token: string };

type Db = PrismaClient | Prisma.TransactionClient;

export interface KeyRequest {
  userId: string;
  name: string;
  kind: ApiKeyKind;
  expiresAt?: Date | null;
  /** FULL unless given; login tokens are always FULL. */
  scope?: ApiKeyScope;
}

/** Creates a key inside the caller's transaction; no event (login records user.login instead). */
export async function insertKey(tx: Db, request: KeyRequest): Promise<IssuedKey> {
  const { secret, tokenHash, prefix } = generateToken(request.kind);
  const row = await tx.apiKey.create({
    data: {
      userId: request.userId,
      name: request.name,
      kind: request.kind,
      scope: request.kind === 'API' ? (request.scope ?? 'FULL') : 'FULL',
      tokenHash,
      prefix,
      expiresAt: request.expiresAt ?? null,
    },
    select: PUBLIC_KEY_SELECT,
  });
  return { ...row, token: secret };
}

/** A long-lived API key for `userId`, with its `apikey.created` event. */
export async function issueApiKey(db: PrismaClient, request: Omit<KeyRequest, 'kind'>, actorId: string): Promise<IssuedKey> {
  return db.$transaction(async (tx) => {
    const key = await insertKey(tx, { ...request, kind: 'API' });
    const { token: _secret, ...row } = key;
    await recordEvent(tx, { actorId, action: 'apikey.created', entityType: 'apikey', entityId: key.id, changes: { after: snapshot(row) } });
    return key;
  });
}

/** What a caller may see: its own keys; an admin every key. */
function visibleTo(principal: Principal, id: string): Prisma.ApiKeyWhereUniqueInput {
  return principal.role === 'ADMIN' ? { id } : { id, userId: principal.userId };
}

export async function getKey(db: Db, principal: Principal, id: string): Promise<PublicKey> {
  const key = await db.apiKey.findUnique({ where: visibleTo(principal, id), select: PUBLIC_KEY_SELECT });
  if (!key) throw notFound('No such API key');
  return key;
}

export interface KeyPage {
  data: PublicKey[];
  page: { limit: number; nextCursor: string | null };
}

/** Newest first; the cursor codec parses the keys of a forged cursor (a date out of range is a 400). */
const SORT = '-createdAt,-id';
const SORT_KEYS: CursorKey[] = [
  { field: 'createdAt', nullable: false, spec: { kind: 'datetime' } },
  { field: 'id', nullable: false, spec: { kind: 'uuid' } },
];

function afterCursor(cursor: string): { createdAt: Date; id: string } {
  const decoded = decodeCursor(cursor, SORT, SORT_KEYS);
  if ('error' in decoded) throw invalidCursor(decoded.error);
  const [createdAt, id] = decoded.values as [Date, string];
  return { createdAt, id };
}

export interface KeyListing {
  limit: number;
  cursor?: string | undefined;
  /** Every user's keys (the route lets only admins ask). */
  all?: boolean | undefined;
}

/** The caller's keys (or all keys), newest first, keyset-paginated. */
export async function listKeys(db: Db, principal: Principal, listing: KeyListing): Promise<KeyPage> {
  const after = listing.cursor ? afterCursor(listing.cursor) : undefined;
  const rows = await db.apiKey.findMany({
    where: {
      ...(listing.all ? {} : { userId: principal.userId }),
      ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {}),
    },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: listing.limit + 1,
    select: PUBLIC_KEY_SELECT,
  });
  const data = rows.slice(0, listing.limit);
  const last = data[data.length - 1];
  return {
    data,
    page: { limit: listing.limit, nextCursor: rows.length > listing.limit && last ? encodeCursor(SORT, last, SORT_KEYS) : null },
  };
}

/**
 * Revokes a key the caller may see (404 otherwise). Revoking a revoked key changes nothing
 * and succeeds (DELETE is idempotent); only a real revocation writes `apikey.revoked`.
 */
export async function revokeKey(db: PrismaClient, principal: Principal, id: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const key = await tx.apiKey.findUnique({ where: visibleTo(principal, id), select: { id: true, revokedAt: true } });
    if (!key) throw notFound('No such API key');
    const now = new Date();
    const { count } = await tx.apiKey.updateMany({ where: { id: key.id, revokedAt: null }, data: { revokedAt: now } });
    if (count) {
      await recordEvent(tx, {
        actorId: principal.userId,
        action: 'apikey.revoked',
        entityType: 'apikey',
        entityId: key.id,
        changes: { before: { revokedAt: null }, after: { revokedAt: now.toISOString() } },
      });
    }
  });
}

/** Login tokens are kept this long after they expire or are revoked (logout), then deleted. */
export const LOGIN_TOKEN_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes login tokens that expired or were revoked more than LOGIN_TOKEN_RETENTION_MS ago (the
 * event log keeps the logins). API keys are kept: their owners list and revoke them. Run
 * periodically; any instance may.
 */
export async function purgeLoginTokens(db: PrismaClient, now: Date = new Date()): Promise<number> {
  const before = new Date(now.getTime() - LOGIN_TOKEN_RETENTION_MS);
  const { count } = await db.apiKey.deleteMany({
    where: { kind: 'LOGIN', OR: [{ expiresAt: { lt: before } }, { revokedAt: { lt: before } }] },
  });
  return count;
}
