import { z } from 'zod';
import { AlgoStatus } from '../generated/prisma/client';
import { jsonObject, text, type FieldMap, fieldsOf } from './fields';

export const algoStatuses = Object.values(AlgoStatus);

/** An algorithm that can be run on recordings; `parameters` is the JSON Schema of its inputs. */
export const algoFields: FieldMap = fieldsOf('Algo', { sortable: ['name', 'version', 'status'] });

/** Semantic Versioning 2.0.0. */
const semver = z
  .string()
  .regex(
    /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/,
    'must be a semantic version such as 1.4.0',
  );

export const algoCreate = z
  .object({
    name: text(100).regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, ".", "_" or "-"'),
    version: semver,
    description: z.string().max(10_000).nullish(),
    parameters: jsonObject.optional(),
    status: z.enum(AlgoStatus).optional(),
  })
  .strict();

export const algoUpdate = algoCreate.partial().strict();
