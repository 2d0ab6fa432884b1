/**
 * API keys and login tokens (both are ApiKey rows, told apart by `kind`): issue, list, read,
 * revoke. Members reach only their own rows; another user's row is "not found" (404), never
 * "forbidden", so ids cannot be probed. Secrets are returned once, by issue, and never stored.
 */
import type { ApiKeyKind, ApiKeyScope, Prisma, PrismaClient } from '../generated/prisma/client';
import { badRequest, notFound } from '../core/errors';
import { dateInRange } from '../core/input-limits';
import { recordEvent, snapshot } from '../resources/audit';
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

interface Cursor {
  createdAt: Date;
  id: string;
}

function encodeCursor(key: PublicKey): string {
  return Buffer.from(JSON.stringify([key.createdAt.toISOString(), key.id])).toString('base64url');
}

function decodeCursor(cursor: string): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      const createdAt = new Date(value[0]);
      // A forged cursor may carry any date: out of range it must not reach the database.
      if (dateInRange(createdAt) && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value[1])) {
        return { createdAt, id: value[1] };
      }
    }
  } catch {
    // fall through
  }
  throw badRequest('The cursor is not valid', [{ path: 'query.cursor', message: 'is not a cursor of this listing' }]);
}

export interface KeyListing {
  limit: number;
  cursor?: string | undefined;
  /** Every user's keys (the route lets only admins ask). */
  all?: boolean | undefined;
}

/** The caller's keys (or all keys), newest first, keyset-paginated. */
export async function listKeys(db: Db, principal: Principal, listing: KeyListing): Promise<KeyPage> {
  const after = listing.cursor ? decodeCursor(listing.cursor) : undefined;
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
  return { data, page: { limit: listing.limit, nextCursor: rows.length > listing.limit && last ? encodeCursor(last) : null } };
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
