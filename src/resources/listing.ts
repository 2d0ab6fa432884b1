/**
 * The listing language of GET /{resource}: limit, cursor, sort, fields, include, count and
 * `field[op]=value` filters, parsed against a descriptor into Prisma arguments. Anything
 * unknown or mistyped is a 400 that names the parameter.
 */
import { badRequest, type FieldError } from '../core/errors';
import { DATE_RANGE_MESSAGE, dateInRange, textProblem } from '../core/input-limits';
import type { FieldKind, FieldMap, FieldSpec } from '../models/fields';
import { cursorError, decodeCursor } from './cursor';
import type { ResourceDescriptor } from './descriptor';
import { datamodel } from '../models/generated/schema';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 1000;
const RESERVED = new Set(['limit', 'cursor', 'sort', 'fields', 'include', 'count']);

export type Operator = 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte' | 'in' | 'nin' | 'contains' | 'icontains' | 'startsWith' | 'isNull';
const OPERATORS: readonly Operator[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'nin', 'contains', 'icontains', 'startsWith', 'isNull'];
const ORDERED_KINDS = new Set<FieldKind>(['uuid', 'string', 'datetime', 'int', 'float', 'bigint']);

export function operatorsFor(spec: FieldSpec): Operator[] {
  return OPERATORS.filter((op) => {
    if (op === 'isNull') return Boolean(spec.nullable);
    if (op === 'contains' || op === 'icontains' || op === 'startsWith') return spec.kind === 'string';
    if (op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') return ORDERED_KINDS.has(spec.kind);
    return true;
  });
}

export interface SortKey {
  field: string;
  desc: boolean;
  nullable: boolean;
  spec: FieldSpec;
}

export interface ListQuery {
  limit: number;
  sort: SortKey[];
  where: Record<string, unknown>;
  /** Values of the sort keys of the last row of the previous page. */
  after?: unknown[];
  fields?: string[];
  include: string[];
  count: boolean;
  /** The sort as written, to check that a cursor belongs to it. */
  sortText: string;
}

type Raw = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Parses one value of a field, from a filter or a cursor (which a client can forge as well);
 * returns an error message instead of throwing.
 */
export function parseValue(spec: FieldSpec, raw: string): { value?: unknown; error?: string } {
  switch (spec.kind) {
    case 'uuid':
      return UUID.test(raw) ? { value: raw.toLowerCase() } : { error: 'must be a UUID' };
    case 'string': {
      if (raw.length > 1000) return { error: 'is too long' };
      const problem = textProblem(raw);
      return problem ? { error: problem } : { value: raw };
    }
    case 'enum':
      return spec.values?.includes(raw) ? { value: raw } : { error: `must be one of ${spec.values?.join(', ')}` };
    case 'datetime': {
      if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(raw))
        return { error: 'must be an ISO 8601 date or date-time' };
      const date = new Date(raw);
      if (Number.isNaN(date.getTime())) return { error: 'is not a valid date' };
      return dateInRange(date) ? { value: date } : { error: DATE_RANGE_MESSAGE };
    }
    case 'int': {
      if (!/^-?\d{1,10}$/.test(raw)) return { error: 'must be an integer' };
      const n = Number(raw);
      return n >= -2147483648 && n <= 2147483647 ? { value: n } : { error: 'is out of range' };
    }
    case 'float': {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? { value: n } : { error: 'must be a number' };
    }
    case 'bigint':
      if (!/^-?\d{1,19}$/.test(raw)) return { error: 'must be an integer' };
      return BigInt(raw) < 2n ** 63n && BigInt(raw) >= -(2n ** 63n) ? { value: BigInt(raw) } : { error: 'is out of range' };
    case 'boolean':
      return raw === 'true' || raw === 'false' ? { value: raw === 'true' } : { error: 'must be true or false' };
  }
}

function single(name: string, value: unknown, errors: FieldError[]): string | undefined {
  if (typeof value === 'string') return value;
  errors.push({ path: `query.${name}`, message: Array.isArray(value) ? 'must be given once' : 'must be a plain value' });
  return undefined;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A LIKE pattern that matches `text` literally: `%`, `_` and the escape character `\` itself are escaped. */
export function literalPattern(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function filterFor(
  op: Operator,
  spec: FieldSpec,
  raw: string,
  param: string,
  errors: FieldError[],
): Record<string, unknown> | null | undefined {
  const one = (text: string): unknown => {
    const parsed = parseValue(spec, text);
    if (parsed.error) errors.push({ path: `query.${param}`, message: parsed.error });
    return parsed.value;
  };
  // Prisma passes contains/startsWith to LIKE as they are (PostgreSQL's default escape is `\`).
  const literal = (text: string): unknown => {
    const value = one(text);
    return typeof value === 'string' ? literalPattern(value) : value;
  };
  switch (op) {
    case 'eq':
      return { equals: one(raw) };
    case 'ne':
      return { not: one(raw) };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return { [op]: one(raw) };
    case 'in':
    case 'nin': {
      const items = splitList(raw);
      if (!items.length || items.length > 100) errors.push({ path: `query.${param}`, message: 'must list 1 to 100 values' });
      return { [op === 'in' ? 'in' : 'notIn']: items.map(one) };
    }
    case 'contains':
      return { contains: literal(raw) };
    case 'icontains':
      return { contains: literal(raw), mode: 'insensitive' };
    case 'startsWith':
      return { startsWith: literal(raw) };
    case 'isNull':
      if (raw !== 'true' && raw !== 'false') {
        errors.push({ path: `query.${param}`, message: 'must be true or false' });
        return undefined;
      }
      return raw === 'true' ? null : { not: null };
  }
}

/** A map's own entry: names come from the query string, and `toString` must not find Object.prototype's. */
function own<T>(map: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return map && Object.hasOwn(map, key) ? map[key] : undefined;
}

function parseSort(text: string, fields: FieldMap, errors: FieldError[]): SortKey[] {
  const keys: SortKey[] = [];
  for (const item of splitList(text)) {
    const desc = item.startsWith('-');
    const field = desc || item.startsWith('+') ? item.slice(1) : item;
    const spec = own(fields, field);
    if (!spec?.sortable) {
      const allowed = Object.keys(fields).filter((f) => fields[f]?.sortable);
      errors.push({ path: 'query.sort', message: `cannot sort by "${field}"; sortable: ${allowed.join(', ')}` });
      continue;
    }
    if (keys.some((k) => k.field === field)) {
      errors.push({ path: 'query.sort', message: `"${field}" is given twice` });
      continue;
    }
    keys.push({ field, desc, nullable: Boolean(spec.nullable), spec });
  }
  return keys;
}

const jsonFieldsOf = (model: string): string[] => {
  const fields = datamodel.models[model as keyof typeof datamodel.models].fields as Record<string, { type: string }>;
  return Object.keys(fields).filter((f) => fields[f]?.type === 'Json');
};

/** How many JSON column values one row of this listing carries: its own (as `fields` selects them) and its embedded rows'. */
export function jsonColumnsOf(
  d: ResourceDescriptor,
  q: Pick<ListQuery, 'fields' | 'include'>,
  lookup: (name: string) => ResourceDescriptor,
): number {
  const own = jsonFieldsOf(d.model).filter((f) => !q.fields || q.fields.includes(f)).length;
  return own + q.include.reduce((n, rel) => n + jsonFieldsOf(lookup(d.relations?.[rel]?.resource as string).model).length, 0);
}

/** Every column a client may ask for with `fields`: the model's scalar fields (JSON ones too), not the hidden ones. */
export function selectableFields(d: ResourceDescriptor): Set<string> {
  const model = datamodel.models[d.model as keyof typeof datamodel.models];
  return new Set(Object.keys(model.fields).filter((f) => !d.hidden?.includes(f)));
}

export function parseListQuery(query: Raw, d: ResourceDescriptor, extraParams: readonly string[] = []): ListQuery {
  const errors: FieldError[] = [];
  const where: Record<string, unknown> = {};
  const and: Record<string, unknown>[] = [];

  const limitText = query.limit === undefined ? undefined : single('limit', query.limit, errors);
  let limit = DEFAULT_LIMIT;
  if (limitText !== undefined) {
    limit = /^\d{1,4}$/.test(limitText) ? Number(limitText) : NaN;
    if (!(limit >= 1 && limit <= MAX_LIMIT)) errors.push({ path: 'query.limit', message: `must be an integer from 1 to ${MAX_LIMIT}` });
  }

  const sortText = query.sort === undefined ? (d.defaultSort ?? 'createdAt') : (single('sort', query.sort, errors) ?? '');
  const sort = parseSort(sortText, d.fields, errors);
  const idSpec = d.fields.id as FieldSpec;
  sort.push({ field: 'id', desc: false, nullable: false, spec: idSpec });

  let fields: string[] | undefined;
  if (query.fields !== undefined) {
    const text = single('fields', query.fields, errors) ?? '';
    fields = splitList(text);
    const selectable = selectableFields(d);
    const unknown = fields.filter((f) => !selectable.has(f));
    if (unknown.length || !fields.length)
      errors.push({ path: 'query.fields', message: `unknown field(s): ${unknown.join(', ') || '(none given)'}` });
  }

  const include: string[] = [];
  if (query.include !== undefined) {
    for (const rel of splitList(single('include', query.include, errors) ?? '')) {
      if (!own(d.relations, rel)) {
        errors.push({
          path: 'query.include',
          message: `cannot include "${rel}"; available: ${Object.keys(d.relations ?? {}).join(', ') || 'none'}`,
        });
      } else if (!include.includes(rel)) include.push(rel);
    }
  }

  let count = false;
  if (query.count !== undefined) {
    const text = single('count', query.count, errors);
    if (text !== 'true' && text !== 'false') errors.push({ path: 'query.count', message: 'must be true or false' });
    count = text === 'true';
  }

  for (const [param, value] of Object.entries(query)) {
    if (RESERVED.has(param) || extraParams.includes(param)) continue;
    const match = /^([A-Za-z][A-Za-z0-9]*)(?:\[([A-Za-z]+)\])?$/.exec(param);
    const spec = match ? own(d.fields, match[1] as string) : undefined;
    if (!match || !spec || spec.filterable === false) {
      errors.push({ path: `query.${param}`, message: `unknown parameter; filterable fields: ${Object.keys(d.fields).join(', ')}` });
      continue;
    }
    const op = (match[2] ?? 'eq') as Operator;
    if (!operatorsFor(spec).includes(op)) {
      errors.push({ path: `query.${param}`, message: `operator "${op}" does not apply; allowed: ${operatorsFor(spec).join(', ')}` });
      continue;
    }
    const raw = single(param, value, errors);
    if (raw === undefined) continue;
    const filter = filterFor(op, spec, raw, param, errors);
    if (filter !== undefined) and.push({ [match[1] as string]: filter });
  }
  if (and.length) where.AND = and;

  let after: unknown[] | undefined;
  if (query.cursor !== undefined) {
    const text = single('cursor', query.cursor, errors);
    if (text !== undefined) {
      const decoded = decodeCursor(text, sortText, sort);
      if ('error' in decoded) errors.push(cursorError(decoded.error));
      else after = decoded.values;
    }
  }

  if (errors.length) throw badRequest('The query is not valid', errors);
  return { limit, sort, where, after, fields, include, count, sortText };
}

/** Prisma orderBy for the sort keys (nulls always last, so the cursor logic stays uniform). */
export function orderBy(sort: SortKey[]): Array<Record<string, unknown>> {
  return sort.map((k) => ({ [k.field]: k.nullable ? { sort: k.desc ? 'desc' : 'asc', nulls: 'last' } : k.desc ? 'desc' : 'asc' }));
}

/**
 * Keyset condition "comes after the row with these sort values": for keys k1..kn,
 * OR over i of (k1 = v1 AND … AND k(i-1) = v(i-1) AND ki beyond vi). NULLs sort last.
 */
export function afterCondition(sort: SortKey[], values: unknown[]): Record<string, unknown> {
  const or: Record<string, unknown>[] = [];
  for (let i = 0; i < sort.length; i++) {
    const key = sort[i] as SortKey;
    const value = values[i];
    if (value === null) continue; // nothing sorts after NULL on this key (NULLs are last)
    const beyond: Record<string, unknown> = { [key.field]: beyondFilter(key, value) };
    const clause: Record<string, unknown>[] = sort
      .slice(0, i)
      .map((prev, j) => ({ [prev.field]: values[j] === null ? null : { equals: values[j] } }));
    clause.push(key.nullable ? { OR: [beyond, { [key.field]: null }] } : beyond);
    or.push({ AND: clause });
  }
  return or.length ? { OR: or } : { id: { in: [] } };
}

/**
 * "Sorts after v": gt/lt, except for enums, which PostgreSQL orders by declaration and Prisma
 * cannot compare: those become the set of values declared after (or before) v.
 */
function beyondFilter(key: SortKey, value: unknown): Record<string, unknown> {
  if (key.spec.kind === 'enum') {
    const values = key.spec.values ?? [];
    const at = values.indexOf(String(value));
    return { in: key.desc ? values.slice(0, at) : values.slice(at + 1) };
  }
  return { [key.desc ? 'lt' : 'gt']: value };
}
