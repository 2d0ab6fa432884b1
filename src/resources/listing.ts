/**
 * The listing language of GET /{resource}: limit, cursor, sort, fields, include, count and
 * `field[op]=value` filters, parsed against a descriptor into a ListQuery (which
 * src/resources/prisma-query.ts and src/resources/sql-query.ts translate). Anything
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
  /** The filters, in the order given (src/resources/prisma-query.ts and sql-query.ts translate them). */
  filters: Filter[];
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

/**
 * One `field[op]=value` filter, parsed: the value of its field's kind (a list for in/nin, the
 * text for the LIKE operators, whether the field is null for isNull).
 */
export interface Filter {
  field: string;
  op: Operator;
  value: unknown;
}

function filterFor(op: Operator, spec: FieldSpec, raw: string, param: string, errors: FieldError[]): unknown {
  const one = (text: string): unknown => {
    const parsed = parseValue(spec, text);
    if (parsed.error) errors.push({ path: `query.${param}`, message: parsed.error });
    return parsed.value;
  };
  switch (op) {
    case 'in':
    case 'nin': {
      const items = splitList(raw);
      if (!items.length || items.length > 100) errors.push({ path: `query.${param}`, message: 'must list 1 to 100 values' });
      return items.map(one);
    }
    case 'isNull':
      if (raw !== 'true' && raw !== 'false') errors.push({ path: `query.${param}`, message: 'must be true or false' });
      return raw === 'true';
    default:
      return one(raw);
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
  const filters: Filter[] = [];

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
    filters.push({ field: match[1] as string, op, value: filterFor(op, spec, raw, param, errors) });
  }

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
  return { limit, sort, filters, after, fields, include, count, sortText };
}
