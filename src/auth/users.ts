/**
 * Users as the auth layer sees them: the public shape (never passwordHash), creation with a
 * hashed password, and a user's own password change.
 *
 * Every user is created here (POST /users, npm run create-admin, the seed, the tests'
 * factories): prepareUser before any transaction opens (scrypt takes tens of milliseconds, too
 * long to hold a transaction and its connection for), then insertUser in the caller's
 * transaction, which writes the one shape of `user.created` event.
 */
import type { Prisma, PrismaClient, Role } from '../generated/prisma/client';
import { badRequest, notFound } from '../core/errors';
import { diff, recordEvent, snapshot } from '../resources/audit';
import { hashPassword, verifyPassword } from './passwords';

/** The fields of a user that may leave the server. */
export const PUBLIC_USER_SELECT = {
  id: true,
  email: true,
  name: true,
  role: true,
  disabledAt: true,
  createdAt: true,
  updatedAt: true,
} as const satisfies Prisma.UserSelect;

export type PublicUser = Prisma.UserGetPayload<{ select: typeof PUBLIC_USER_SELECT }>;

type Db = PrismaClient | Prisma.TransactionClient;

export interface NewUser {
  email: string;
  name: string;
  role?: Role;
  /** Optional: a user without a password can only use API keys. */
  password?: string;
}

/** A user ready to insert: e-mail lower-case, role set, password hashed. */
export interface PreparedUser {
  email: string;
  name: string;
  role: Role;
  passwordHash: string | null;
}

/** The slow part of creating a user (hashing its password), for before the transaction. */
export async function prepareUser(input: NewUser): Promise<PreparedUser> {
  return {
    email: input.email.trim().toLowerCase(),
    name: input.name,
    role: input.role ?? 'MEMBER',
    passwordHash: input.password === undefined ? null : await hashPassword(input.password),
  };
}

/**
 * Inserts a prepared user and its `user.created` event in the caller's transaction. The event
 * holds every column, the hash redacted (null when the user has no password). The actor is
 * whoever creates it; by default the user itself (create-admin, the seed).
 */
export async function insertUser(tx: Prisma.TransactionClient, user: PreparedUser, actorId: string | null = null): Promise<PublicUser> {
  const created = await tx.user.create({ data: user, select: PUBLIC_USER_SELECT });
  await recordEvent(tx, {
    actorId: actorId ?? created.id,
    action: 'user.created',
    entityType: 'user',
    entityId: created.id,
    changes: { after: snapshot({ ...created, passwordHash: user.passwordHash }) },
  });
  return created;
}

/** Creates a user (e-mail stored lower-case, password hashed) and its `user.created` event. */
export async function createUser(db: PrismaClient, input: NewUser, actorId: string | null = null): Promise<PublicUser> {
  const prepared = await prepareUser(input);
  return db.$transaction((tx) => insertUser(tx, prepared, actorId));
}

export async function getPublicUser(db: Db, id: string): Promise<PublicUser> {
  const user = await db.user.findUnique({ where: { id }, select: PUBLIC_USER_SELECT });
  if (!user) throw notFound('No such user');
  return user;
}

/** Sets a new password hash and records `user.updated` (the hash itself is redacted). */
export async function setPasswordHash(tx: Prisma.TransactionClient, userId: string, passwordHash: string, actorId: string): Promise<void> {
  const before = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { passwordHash: true } });
  await tx.user.update({ where: { id: userId }, data: { passwordHash } });
  await recordEvent(tx, {
    actorId,
    action: 'user.updated',
    entityType: 'user',
    entityId: userId,
    changes: diff(before, { passwordHash }),
  });
}

/**
 * Ends a user's login tokens (revokedAt = now), except `keepTokenId` (the token of a request
 * by the user itself). For a password set or changed, and a user disabled or enabled again:
 * the sessions of before must not outlive the change. API keys are managed on their own
 * (/api-keys) and are not touched. Returns how many were revoked.
 */
export async function revokeLoginTokens(tx: Db, userId: string, keepTokenId?: string): Promise<number> {
  const { count } = await tx.apiKey.updateMany({
    where: { userId, kind: 'LOGIN', revokedAt: null, ...(keepTokenId ? { id: { not: keepTokenId } } : {}) },
    data: { revokedAt: new Date() },
  });
  return count;
}

export interface PasswordChange {
  userId: string;
  currentPassword: string;
  newPassword: string;
  /** The token the change is made with: it stays valid, every other login token is revoked. */
  keepTokenId: string;
}

/**
 * A user's own password change. The current password must match (400 otherwise); other login
 * tokens are revoked, API keys are not (they are managed on their own, /api-keys).
 * Returns the number of login tokens revoked.
 */
export async function changePassword(db: PrismaClient, change: PasswordChange): Promise<number> {
  const user = await db.user.findUnique({ where: { id: change.userId }, select: { passwordHash: true } });
  if (!user) throw notFound('No such user');
  if (!user.passwordHash || !(await verifyPassword(change.currentPassword, user.passwordHash))) {
    throw badRequest('The current password is not correct', [{ path: 'body.currentPassword', message: 'is not correct' }]);
  }
  const passwordHash = await hashPassword(change.newPassword);
  return db.$transaction(async (tx) => {
    await setPasswordHash(tx, change.userId, passwordHash, change.userId);
    return revokeLoginTokens(tx, change.userId, change.keepTokenId);
  });
}
