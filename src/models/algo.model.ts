import { z } from 'zod';
import { AlgoStatus } from '../generated/prisma/client';
import { jsonObject, text, type FieldMap, fieldsOf } from './fields';
import { schemaProblems } from '../runs/parameters';
import { jsonSizeProblem } from '../core/input-limits';

export const algoStatuses = Object.values(AlgoStatus);

/** An algorithm that can be run on recordings; `parameters` is the JSON Schema of its inputs. */
export const algoFields: FieldMap = fieldsOf('Algo', { sortable: ['name', 'version', 'status'] });

/** Semantic Versioning 2.0.0. */
const semver = z
  .string()
  .regex(
    /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/,
    'must be a semantic version such as 1.4.0',
  )
  .meta({ examples: ['1.0.0'] });

/** A JSON Schema Ajv can compile (src/runs/parameters.ts): runs' parameters are validated against it. */
const parametersSchema = jsonObject
  .superRefine((schema, ctx) => {
    if (jsonSizeProblem(schema)) return; // reported already; not worth compiling
    for (const problem of schemaProblems(schema, '#')) {
      ctx.addIssue({ code: 'custom', message: problem.message, path: problem.path.split('.').slice(1) });
    }
  })
  .meta({
    description:
      'The JSON Schema (2020-12 unless `$schema` names 2019-09 or draft-07) that the parameters of its runs must satisfy; ' +
      'checked when the algo is written (`pattern` uses RE2 syntax: no lookaround or back-references). At most 64 KiB.',
  });

export const algoCreate = z
  .object({
    name: text(100).regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, ".", "_" or "-"'),
    version: semver,
    description: z.string().max(10_000).nullish(),
    parameters: parametersSchema.optional(),
    status: z.enum(AlgoStatus).optional(),
  })
  .strict();

export const algoUpdate = algoCreate.partial().strict();
