/**
 * Building blocks of the model schemas: the field kinds the listing language understands,
 * and the Zod types shared by several models.
 */
import { z } from 'zod';
import { datamodel, type ModelName } from './generated/schema';
import { DATE_RANGE_MESSAGE, dateInRange, jsonSizeProblem } from '../core/input-limits';

export type FieldKind = 'uuid' | 'string' | 'enum' | 'datetime' | 'int' | 'float' | 'bigint' | 'boolean';

export interface FieldSpec {
  kind: FieldKind;
  nullable?: boolean;
  /** Allowed values of an enum field. */
  values?: readonly string[];
  /** May be used in `sort` (an index serves it). */
  sortable?: boolean;
  /** May be used in filters (default: true). */
  filterable?: boolean;
}

export type FieldMap = Record<string, FieldSpec>;

/** The scalar fields of a model in the generated metadata. */
export type ScalarName<M extends ModelName> = keyof (typeof datamodel.models)[M]['fields'] & string;

/** A BigInt on input: a decimal string or a safe JSON integer. Sent back as a string. */
export const bigintInput = z
  .union([
    z.string().regex(/^-?\d{1,19}$/, 'must be an integer as a decimal string'),
    z.number().int().refine(Number.isSafeInteger, 'must be a safe integer'),
  ])
  .transform((v) => BigInt(v))
  .refine((v) => v >= -(2n ** 63n) && v < 2n ** 63n, 'out of the 64-bit range');

/**
 * A JSON object (not an array, not a scalar) stored in a JSON column: at most 64 KiB as JSON.
 * Its depth is bounded before Zod sees it (src/api/middleware/input-guard.ts).
 */
export const jsonObject = z
  .record(z.string(), z.json())
  .superRefine((value, ctx) => {
    const problem = jsonSizeProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({
    description: 'A JSON object of at most 64 KiB as UTF-8 JSON',
  });

/** An ISO 8601 timestamp with a time zone, e.g. 2026-11-26T08:00:00Z, in the range every layer can store. */
export const isoDateTime = z.iso
  .datetime({ offset: true })
  .transform((v) => new Date(v))
  .refine(dateInRange, DATE_RANGE_MESSAGE)
  .meta({ description: 'ISO 8601 with an offset, from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z' });

export const text = (max: number) => z.string().trim().min(1).max(max);

interface GeneratedField {
  kind: string;
  type: string;
  nativeType: string | null;
  required: boolean;
  list: boolean;
}

function kindOf(f: GeneratedField): FieldKind | undefined {
  if (f.list) return undefined;
  if (f.kind === 'enum') return 'enum';
  switch (f.type) {
    case 'String':
      return f.nativeType === 'Uuid' ? 'uuid' : 'string';
    case 'DateTime':
      return 'datetime';
    case 'Int':
      return 'int';
    case 'Float':
      return 'float';
    case 'BigInt':
      return 'bigint';
    case 'Boolean':
      return 'boolean';
    default:
      return undefined; // Json, Bytes, Decimal: not filterable
  }
}

/**
 * The filterable fields of a model, from the generated Prisma metadata (kinds, nullability,
 * enum values): the descriptors add only what the schema cannot say — which fields sort
 * (an index serves them) and which stay hidden.
 */
export function fieldsOf<M extends ModelName>(
  model: M,
  options: { sortable: readonly ScalarName<M>[]; hidden?: readonly ScalarName<M>[] },
): FieldMap {
  const sortable: readonly string[] = options.sortable;
  const hidden: readonly string[] = options.hidden ?? [];
  const fields = datamodel.models[model].fields as Record<string, GeneratedField>;
  const enums = datamodel.enums as Record<string, readonly string[]>;
  const out: FieldMap = {};
  for (const [name, f] of Object.entries(fields)) {
    const kind = kindOf(f);
    if (!kind || hidden.includes(name)) continue;
    out[name] = {
      kind,
      ...(f.required ? {} : { nullable: true }),
      ...(kind === 'enum' ? { values: enums[f.type] } : {}),
      ...(sortable.includes(name) || name === 'createdAt' || name === 'updatedAt' ? { sortable: true } : {}),
    };
  }
  for (const name of sortable) if (!out[name]) throw new Error(`${model}.${name} cannot be sorted: no such scalar field`);
  return out;
}
