/**
 * The first admin (npm run create-admin): creates the user, or promotes (and re-enables) an
 * existing one, optionally sets its password, and issues a new API key whose secret the
 * caller prints once. Every change is in the event log, with the user itself as the actor.
 */
import type { PrismaClient } from '../generated/prisma/client';
import { diff, recordEvent } from '../resources/audit';
import { issueApiKey, type IssuedKey } from './api-keys';
import { hashPassword } from './passwords';
import { createUser, PUBLIC_USER_SELECT, revokeLoginTokens, type PublicUser } from './users';

export interface AdminRequest {
  email: string;
  name?: string | undefined;
  password?: string | undefined;
}

export interface AdminResult {
  user: PublicUser;
  created: boolean;
  /** Fields changed on an existing user (role, disabledAt, name, passwordHash). */
  changed: string[];
  key: IssuedKey;
}

export async function ensureAdmin(prisma: PrismaClient, request: AdminRequest, now = new Date()): Promise<AdminResult> {
  const email = request.email.trim().toLowerCase();
  const existing = await prisma.user.findUnique({ where: { email }, select: { ...PUBLIC_USER_SELECT, passwordHash: true } });
  let user: PublicUser;
  let changed: string[] = [];
  if (!existing) {
    user = await createUser(prisma, {
      email,
      name: request.name ?? (email.split('@')[0] as string),
      role: 'ADMIN',
      ...(request.password === undefined ? {} : { password: request.password }),
    });
  } else {
    const passwordHash = request.password === undefined ? existing.passwordHash : await hashPassword(request.password);
    const before = { role: existing.role, disabledAt: existing.disabledAt, name: existing.name, passwordHash: existing.passwordHash };
    const after = { role: 'ADMIN' as const, disabledAt: null, name: request.name ?? existing.name, passwordHash };
    const changes = diff(before, after);
    changed = Object.keys(changes.after);
    user = await prisma.$transaction(async (tx) => {
      const updated = await tx.user.update({ where: { id: existing.id }, data: after, select: PUBLIC_USER_SELECT });
      if (changed.length) {
        await recordEvent(tx, { actorId: existing.id, action: 'user.updated', entityType: 'user', entityId: existing.id, changes });
      }
      // A new password or a re-enabled account starts without the login tokens of before.
      if (changed.includes('passwordHash') || changed.includes('disabledAt')) await revokeLoginTokens(tx, existing.id);
      return updated;
    });
  }
  const key = await issueApiKey(prisma, { userId: user.id, name: `create-admin ${now.toISOString().slice(0, 10)}` }, user.id);
  return { user, created: !existing, changed, key };
}
