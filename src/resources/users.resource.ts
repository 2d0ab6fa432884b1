import { badRequest } from '../core/errors';
import { hashPassword } from '../auth/passwords';
import { userCreate, userFields, userUpdate } from '../models/user.model';
import type { Delegate, ResourceDescriptor } from './descriptor';

const ADMIN_ONLY_FIELDS = ['email', 'role', 'disabled'] as const;

/** Turns the API's write-only fields into columns: password → passwordHash, disabled → disabledAt. */
async function toColumns(input: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { password, disabled, ...rest } = input;
  const data: Record<string, unknown> = { ...rest };
  if (typeof password === 'string') data.passwordHash = await hashPassword(password);
  if (disabled !== undefined) data.disabledAt = disabled ? new Date() : null;
  return data;
}

/**
 * Users. Admins create, change and delete them; a member sees only itself and may change
 * only its name (the password through POST /auth/password).
 */
export const users: ResourceDescriptor = {
  name: 'users',
  label: 'user',
  entityType: 'user',
  model: 'User',
  delegate: (db) => db.user as unknown as Delegate,
  fields: userFields,
  ownership: 'self',
  ownerField: 'id',
  hidden: ['passwordHash'],
  create: userCreate,
  update: userUpdate,
  adminOnlyCreate: true,
  adminOnlyDelete: true,
  hooks: {
    beforeCreate: (data) => toColumns(data),
    async beforeUpdate(existing, patch, { principal }) {
      if (principal.role !== 'ADMIN') {
        const denied = [...ADMIN_ONLY_FIELDS, 'password'].filter((f) => patch[f] !== undefined);
        if (denied.length) {
          throw badRequest(
            'Only an admin may change these fields (change your password with POST /api/v1/auth/password)',
            denied.map((f) => ({ path: `body.${f}`, message: 'may not be set by a member' })),
          );
        }
      }
      if (existing.id === principal.userId && (patch.role === 'MEMBER' || patch.disabled === true)) {
        throw badRequest('An admin cannot demote or disable itself', [
          { path: patch.role ? 'body.role' : 'body.disabled', message: 'not for your own account' },
        ]);
      }
      return toColumns(patch);
    },
  },
};
