import { z } from 'zod';
import { Role } from '../generated/prisma/client';
import { email, newPassword } from '../auth/schemas';
import { text, type FieldMap, fieldsOf } from './fields';

export const roles = Object.values(Role);

/** A user. `passwordHash` never leaves the server; passwords are write-only. */
export const userFields: FieldMap = fieldsOf('User', { sortable: ['email', 'name'], hidden: ['passwordHash'] });

export const userCreate = z
  .object({
    email,
    name: text(200),
    password: newPassword,
    role: z.enum(Role).optional(),
  })
  .strict();

/** `email`, `role` and `disabled` are for admins; a member sending them gets a 400. */
export const userUpdate = z
  .object({
    email,
    name: text(200),
    role: z.enum(Role),
    password: newPassword,
    disabled: z.boolean(),
  })
  .partial()
  .strict();
