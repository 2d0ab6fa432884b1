import { badRequest, conflict } from '../core/errors';
import { hashPassword } from '../auth/passwords';
import { insertUser, prepareUser, revokeLoginTokens, type NewUser, type PreparedUser } from '../auth/users';
import { userCreate, userFields, userUpdate } from '../models/user.model';
import { defineResource, type Creation, type Row, type WriteContext } from './descriptor';

const ADMIN_ONLY_FIELDS = ['email', 'role', 'disabled'] as const;

/** POST /users makes users with the one function that creates them (as create-admin and the seed do). */
const creation: Creation<PreparedUser> = {
  // The rows passed the create schema (src/models/user.model.ts).
  prepare: (rows) => Promise.all(rows.map((row) => prepareUser(row as unknown as NewUser))),
  async insert(tx, principal, prepared) {
    const created = [];
    for (const user of prepared) created.push(await insertUser(tx, user, principal.userId));
    return created;
  },
};

/**
 * Turns a patch's write-only fields into columns: password → passwordHash, disabled → disabledAt.
 */
async function toColumns(input: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { password, disabled, ...rest } = input;
  const data: Record<string, unknown> = { ...rest };
  if (typeof password === 'string') data.passwordHash = await hashPassword(password);
  if (disabled !== undefined) data.disabledAt = disabled ? new Date() : null;
  return data;
}

const isActiveAdmin = (user: Row): boolean => user.role === 'ADMIN' && user.disabledAt === null;

/**
 * The service must keep an active admin: demoting, disabling or deleting the last one is a 409
 * (only an active admin can do it, so in practice the last admin acting on itself). Changes that
 * remove an admin take a transaction-scoped advisory lock, so two admins demoting each other at
 * once cannot both pass the count.
 */
async function keepAnActiveAdmin(user: Row, { tx }: WriteContext, path?: string): Promise<void> {
  if (!isActiveAdmin(user)) return;
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('backendapi.active-admins'))`;
  const others = await tx.user.count({ where: { role: 'ADMIN', disabledAt: null, id: { not: user.id as string } } });
  if (!others) {
    throw conflict(
      `${String(user.email)} is the last active admin; make another user an admin first`,
      path ? [{ path, message: 'would leave no active admin' }] : undefined,
    );
  }
}

/**
 * Users. Admins create, change and delete them; a member sees only itself and may change
 * only its name (the password through POST /auth/password). A password set by an admin, and
 * disabling or enabling a user, end the user's login tokens (see revokeLoginTokens).
 */
export const users = defineResource({
  name: 'users',
  label: 'user',
  entityType: 'user',
  model: 'User',
  fields: userFields,
  ownership: 'self',
  ownerField: 'id',
  hidden: ['passwordHash'],
  // What a caller who may not read a user sees of it when another resource embeds it (algo owners).
  publicFields: ['id', 'name'],
  create: userCreate,
  update: userUpdate,
  creation,
  adminOnlyCreate: true,
  adminOnlyDelete: true,
  hooks: {
    async beforeUpdate(existing, patch, ctx) {
      const { principal, tx } = ctx;
      if (principal.role !== 'ADMIN') {
        const denied = [...ADMIN_ONLY_FIELDS, 'password'].filter((f) => patch[f] !== undefined);
        if (denied.length) {
          throw badRequest(
            'Only an admin may change these fields (change your password with POST /api/v1/auth/password)',
            denied.map((f) => ({ path: `body.${f}`, message: 'may not be set by a member' })),
          );
        }
      }
      if (patch.role === 'MEMBER' || patch.disabled === true) {
        await keepAnActiveAdmin(existing, ctx, patch.role === 'MEMBER' ? 'body.role' : 'body.disabled');
      }
      const id = existing.id as string;
      const switched = patch.disabled !== undefined && patch.disabled !== (existing.disabledAt !== null);
      if (switched) await revokeLoginTokens(tx, id);
      // An admin setting its own password keeps the session it does so with (as POST /auth/password).
      else if (typeof patch.password === 'string') await revokeLoginTokens(tx, id, id === principal.userId ? principal.tokenId : undefined);
      return toColumns(patch);
    },
    beforeDelete: (existing, ctx) => keepAnActiveAdmin(existing, ctx),
  },
});
