/**
 * Rows for every registered resource, made from the model metadata alone (no table is named):
 * each column gets values of its type with the awkward cases in (NULLs, unicode, LIKE's `%`,
 * `_` and `\`, the extreme dates, large and negative numbers, JSON of every shape), foreign keys
 * point at rows made before, and owners are spread over the given users. For tests that compare
 * two ways of reading the same rows (__tests__/api/read-paths.test.ts).
 */
import fc from 'fast-check';
import { Prisma, type PrismaClient } from '../../src/generated/prisma/client';
import { MAX_DATE, MIN_DATE } from '../../src/core/input-limits';
import { datamodel } from '../../src/models/generated/schema';
import type { ResourceDescriptor, Row } from '../../src/resources/descriptor';

interface FieldMeta {
  kind: string;
  type: string;
  nativeType: string | null;
  required: boolean;
  id: boolean;
  hasDefault: boolean;
  updatedAt: boolean;
}
interface ModelMeta {
  fields: Record<string, FieldMeta>;
  relations: Record<string, { model: string; fields: readonly string[] }>;
  indexes: ReadonlyArray<{ type: string; fields: readonly string[] }>;
}
const models = datamodel.models as unknown as Record<string, ModelMeta>;
const enums = datamodel.enums as Record<string, readonly string[]>;

export const AWKWARD_TEXTS = [
  '%',
  '_',
  '\\',
  'a%b',
  'A_b\\c',
  '100%_done',
  'Ünïcödé',
  '日本語',
  '🎧 ear',
  'MiXeD',
  'mixed',
  ' ',
  "it's",
  '',
];
const EXTREME_DATES = ['0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '1969-12-31T23:59:59.999Z', '2024-02-29T12:00:00.000Z'];

const text = fc.oneof(
  fc.constantFrom(...AWKWARD_TEXTS),
  fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\u0000')),
);
const json = fc
  .oneof(fc.jsonValue({ maxDepth: 3 }), fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }))
  .filter((v) => !JSON.stringify(v).includes('\\u0000'));

function valueOf(f: FieldMeta): fc.Arbitrary<unknown> {
  if (f.kind === 'enum') return fc.constantFrom(...(enums[f.type] ?? []));
  switch (f.type) {
    case 'String':
      if (f.nativeType === 'Uuid') return fc.uuid();
      if (f.nativeType === 'Char') return fc.stringMatching(/^[0-9a-f]{64}$/);
      return text;
    case 'DateTime':
      return fc.oneof(
        fc.constantFrom(...EXTREME_DATES).map((d) => new Date(d)),
        fc.date({ min: MIN_DATE, max: MAX_DATE, noInvalidDate: true }),
      );
    case 'Int':
      return fc.oneof(fc.constantFrom(-2147483648, 2147483647, 0), fc.integer());
    case 'Float':
      return fc.oneof(
        fc.constantFrom(0, -0, 0.1, 1e-7, 1e21, 5e-324, -1.5e300), // Prisma writes doubles in plain decimal, which rounds the largest ones out of range.
        fc.double({ noNaN: true, min: -1e300, max: 1e300 }),
      );
    case 'BigInt':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case 'Json':
      return json;
    case 'Boolean':
      return fc.boolean();
    default:
      throw new Error(`no values for a ${f.type} column`);
  }
}

/** The models of `list` in an order where every foreign key's target comes first. */
function seedOrder(list: readonly ResourceDescriptor[]): ResourceDescriptor[] {
  const ordered: ResourceDescriptor[] = [];
  const pending = [...list];
  while (pending.length) {
    const next = pending.findIndex((d) =>
      Object.values(models[d.model]?.relations ?? {}).every(
        (r) => !r.fields.length || r.model === d.model || ordered.some((o) => o.model === r.model),
      ),
    );
    if (next < 0) throw new Error(`cannot order ${pending.map((d) => d.model).join(', ')} by their foreign keys`);
    ordered.push(...pending.splice(next, 1));
  }
  return ordered;
}

export interface Seeded {
  /** The rows made, by resource name (as Prisma returns them, hidden fields included). */
  rows: Map<string, Row[]>;
}

/**
 * `perResource` rows of each resource in `list`; owners are taken from `owners` (user ids). The
 * users resource gets its rows besides the owners'. Deterministic for a given `seed`.
 */
export async function seedEveryResource(
  prisma: PrismaClient,
  list: readonly ResourceDescriptor[],
  owners: readonly string[],
  perResource: number,
  seed: number,
): Promise<Seeded> {
  const rows = new Map<string, Row[]>();
  const idsOf = (model: string): unknown[] =>
    list.filter((d) => d.model === model).flatMap((d) => (rows.get(d.name) ?? []).map((r) => r.id));
  for (const d of seedOrder(list)) {
    const model = models[d.model] as ModelMeta;
    const foreign = new Map(Object.values(model.relations).flatMap((r) => r.fields.map((f) => [f, r.model] as const)));
    const unique = new Set(model.indexes.filter((i) => i.type === 'unique').flatMap((i) => i.fields));
    const columns: Record<string, fc.Arbitrary<unknown>> = {};
    for (const [name, f] of Object.entries(model.fields)) {
      if ((f.id && f.hasDefault) || f.updatedAt) continue;
      let arb: fc.Arbitrary<unknown>;
      if (name === d.ownerField && name !== 'id') arb = fc.constantFrom(...owners);
      else if (foreign.has(name)) arb = fc.constantFrom(...idsOf(foreign.get(name) as string));
      else arb = valueOf(f);
      if (!f.required) arb = fc.option(arb, { nil: f.type === 'Json' ? Prisma.DbNull : null, freq: 3 });
      columns[name] = arb;
    }
    const made = fc.sample(fc.record(columns), { numRuns: perResource, seed }).map((row, i) => {
      // Unique columns (e-mail, name + version) get the row's number.
      for (const field of unique) if (typeof row[field] === 'string') row[field] = `${String(row[field])}#${i}`;
      return row;
    });
    const created = await d.delegate(prisma).createManyAndReturn({ data: made });
    rows.set(d.name, [...(d.model === 'User' ? await d.delegate(prisma).findMany({ where: { id: { in: owners } } }) : []), ...created]);
  }
  return { rows };
}

/** A value as a client writes it in a query string (dates in ISO 8601, numbers and BigInts in decimal). */
export function asQueryText(value: unknown): string | undefined {
  if (value === null || value === undefined || typeof value === 'object') return value instanceof Date ? value.toISOString() : undefined;
  return String(value as string | number | bigint | boolean);
}
