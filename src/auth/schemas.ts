/** Request schemas of the auth and API-key routes (strict: unknown fields are a 400). */
import { z } from 'zod';
import { ApiKeyScope } from '../generated/prisma/client';
import { isoDateTime } from '../models/fields';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './passwords';

/** E-mail addresses are stored and compared lower-case. */
export const email = z.string().trim().toLowerCase().max(320).pipe(z.email());

/** A password being set: the policy. */
export const newPassword = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`)
  .max(PASSWORD_MAX_LENGTH, `must be at most ${PASSWORD_MAX_LENGTH} characters`)
  .regex(/\S/, 'must not be only white space');

/** A password being checked: no policy (older passwords may predate it), only a bound. */
const givenPassword = z.string().min(1).max(PASSWORD_MAX_LENGTH);

export const loginSchemas = {
  body: z.object({ email: z.string().trim().toLowerCase().min(1).max(320), password: givenPassword }).strict(),
};

export const changePasswordSchemas = {
  body: z.object({ currentPassword: givenPassword, newPassword }).strict(),
};

const futureDateTime = isoDateTime.refine((d) => d.getTime() > Date.now(), 'must be in the future');

export const createApiKeySchemas = {
  body: z
    .object({
      name: z.string().trim().min(1).max(100),
      expiresAt: futureDateTime.nullish(),
      scope: z
        .enum(ApiKeyScope)
        .optional()
        .meta({
          description:
            'FULL (default): what its user may do. WORKER: only claim and report algorithm runs and read the content of the ' +
            'recordings of the runs it holds (docs/runs.md)',
        }),
    })
    .strict(),
};

export const listApiKeysSchemas = {
  query: z
    .object({
      limit: z.coerce.number().int().min(1).max(1000).default(50),
      cursor: z.string().max(200).optional(),
      /** Admins only: every user's keys. */
      all: z
        .enum(['true', 'false'])
        .transform((v) => v === 'true')
        .optional(),
    })
    .strict(),
};

export const apiKeyIdSchemas = {
  params: z.object({ id: z.uuid() }).strict(),
};
