/**
 * A parsed listing (src/resources/listing.ts) as SQL, for the read path of src/resources/sql-read.ts:
 * the same conditions that src/resources/prisma-query.ts gives Prisma (filters, equalities of
 * ownership and scope, the keyset condition of a cursor) and the same order (NULLs last, the id
 * last). Columns are quoted names from the model metadata (src/db/sql-names.ts); every value is
 * a parameter, left untyped so that PostgreSQL gives it the type of the column it meets (uuid,
 * an enum, timestamptz …), as it compares in Prisma's statements.
 */
import { literalPattern, type Filter, type SortKey } from './listing';

/**
 * A Date as its ISO text in UTC: pg would send it in the process's time zone with an offset,
 * which a `timestamp` (without time zone) column, holding UTC as Prisma writes it, would misread.
 */
const utc = (value: unknown): unknown => (value instanceof Date ? value.toISOString() : value);

/** A statement's parameters, numbered in the order they are added. */
export class Params {
  readonly values: unknown[] = [];

  add(value: unknown): string {
    this.values.push(Array.isArray(value) ? value.map(utc) : utc(value));
    return `$${this.values.length}`;
  }
}

/** Quoted column names by field name. */
export type Columns = Readonly<Record<string, string>>;

const COMPARISONS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/** One filter as a condition. NULLs match none of eq, ne, in, nin and the comparisons (SQL's, and Prisma's, semantics). */
export function filterSql(c: Columns, f: Filter, params: Params): string {
  const col = c[f.field] as string;
  switch (f.op) {
    case 'eq':
      return `${col} = ${params.add(f.value)}`;
    case 'ne':
      return `${col} <> ${params.add(f.value)}`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return `${col} ${COMPARISONS[f.op]} ${params.add(f.value)}`;
    case 'in':
      return `${col} = ANY(${params.add(f.value)})`;
    case 'nin':
      return `NOT (${col} = ANY(${params.add(f.value)}))`;
    // LIKE's default escape character is `\`, which literalPattern puts before `%`, `_` and itself.
    case 'contains':
      return `${col} LIKE ${params.add(`%${literalPattern(f.value as string)}%`)}`;
    case 'icontains':
      return `${col} ILIKE ${params.add(`%${literalPattern(f.value as string)}%`)}`;
    case 'startsWith':
      return `${col} LIKE ${params.add(`${literalPattern(f.value as string)}%`)}`;
    case 'isNull':
      return `${col} IS ${f.value ? '' : 'NOT '}NULL`;
  }
}

/** field = value for each entry (the ownership rule, a parent's scope); null means IS NULL. */
export function equalSql(c: Columns, equal: Readonly<Record<string, unknown>>, params: Params): string[] {
  return Object.entries(equal).map(([field, value]) =>
    value === null ? `${c[field] as string} IS NULL` : `${c[field] as string} = ${params.add(value)}`,
  );
}

/**
 * "Comes after the row with these sort values", as prisma-query.ts's afterCondition: OR over i of
 * (k1 = v1 AND … AND k(i-1) = v(i-1) AND ki beyond vi), where a nullable key is also beyond when NULL.
 */
export function afterSql(c: Columns, sort: readonly SortKey[], values: readonly unknown[], params: Params): string {
  const or: string[] = [];
  for (const [i, key] of sort.entries()) {
    const value = values[i];
    if (value === null) continue; // nothing sorts after NULL on this key (NULLs are last)
    const col = c[key.field] as string;
    const clause = sort.slice(0, i).map((prev, j) => {
      const prevCol = c[prev.field] as string;
      return values[j] === null ? `${prevCol} IS NULL` : `${prevCol} = ${params.add(values[j])}`;
    });
    const beyond = beyondSql(col, key, value, params);
    clause.push(key.nullable ? `(${beyond} OR ${col} IS NULL)` : beyond);
    or.push(`(${clause.join(' AND ')})`);
  }
  return or.length ? `(${or.join(' OR ')})` : 'FALSE';
}

/** As prisma-query.ts's beyondFilter: enums by the set of values declared after (before) v. */
function beyondSql(col: string, key: SortKey, value: unknown, params: Params): string {
  if (key.spec.kind === 'enum') {
    const values = key.spec.values ?? [];
    const at = values.indexOf(String(value));
    return `${col} = ANY(${params.add(key.desc ? values.slice(0, at) : values.slice(at + 1))})`;
  }
  return `${col} ${key.desc ? '<' : '>'} ${params.add(value)}`;
}

/** ORDER BY of the sort keys: NULLs last on nullable keys, as prisma-query.ts's orderBy. */
export function orderSql(c: Columns, sort: readonly SortKey[]): string {
  return sort.map((k) => `${c[k.field] as string} ${k.desc ? 'DESC' : 'ASC'}${k.nullable ? ' NULLS LAST' : ''}`).join(', ');
}

/** All conditions, joined by AND (TRUE when there are none). */
export const allOf = (conditions: readonly string[]): string => (conditions.length ? conditions.join(' AND ') : 'TRUE');
