/**
 * A parsed listing (src/resources/listing.ts) as Prisma arguments, for the generic read path:
 * the filters as a where, the sort as orderBy, and the keyset condition of a cursor.
 */
import { literalPattern, type Filter, type SortKey } from './listing';

/** A filter as Prisma's where clause of its field. */
export function prismaFilter(f: Filter): Record<string, unknown> | null {
  // Prisma passes contains/startsWith to LIKE as they are (PostgreSQL's default escape is `\`).
  const literal = (): string => literalPattern(f.value as string);
  switch (f.op) {
    case 'eq':
      return { equals: f.value };
    case 'ne':
      return { not: f.value };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return { [f.op]: f.value };
    case 'in':
      return { in: f.value };
    case 'nin':
      return { notIn: f.value };
    case 'contains':
      return { contains: literal() };
    case 'icontains':
      return { contains: literal(), mode: 'insensitive' };
    case 'startsWith':
      return { startsWith: literal() };
    case 'isNull':
      return f.value ? null : { not: null };
  }
}

/** The filters as a Prisma where (all must hold). */
export function prismaWhere(filters: readonly Filter[]): Record<string, unknown> {
  return filters.length ? { AND: filters.map((f) => ({ [f.field]: prismaFilter(f) })) } : {};
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
