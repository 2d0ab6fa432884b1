/**
 * The one keyset cursor codec, for every paginated listing (the resources' listings and
 * /api-keys): a cursor carries the sort it belongs to and the sort keys' values of the last row
 * sent. Clients can forge one, so each value is parsed as its field's kind (UUIDs, text without
 * NUL, dates in range …) before it reaches a query; anything wrong is a 400 naming `query.cursor`.
 */
import { badRequest, type FieldError, type HttpError } from '../core/errors';
import type { FieldSpec } from '../models/fields';
import { parseValue } from './listing';

/** A sort key as the codec needs it (the listing's SortKey is one). */
export interface CursorKey {
  field: string;
  nullable: boolean;
  spec: FieldSpec;
}

const NOT_A_CURSOR = 'is not a cursor from this API';
const OTHER_SORT = 'does not belong to this sort order (use the nextCursor of a listing with the same sort)';

function encodeValue(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return v.toString();
  return v;
}

/** The cursor to the rows after `row` in the sort `sortText` (whose keys are `keys`). */
export function encodeCursor(sortText: string, row: Record<string, unknown>, keys: readonly Pick<CursorKey, 'field'>[]): string {
  return Buffer.from(JSON.stringify({ s: sortText, v: keys.map((k) => encodeValue(row[k.field])) })).toString('base64url');
}

/** What is wrong with a cursor, as a problem's field error. */
export const cursorError = (message: string): FieldError => ({ path: 'query.cursor', message });

/** The 400 for a cursor that is wrong (a listing that collects other errors adds cursorError to them instead). */
export const invalidCursor = (message: string): HttpError => badRequest('The query is not valid', [cursorError(message)]);

/** The sort key values of a cursor made by encodeCursor for the same sort, or what is wrong with it. */
export function decodeCursor(text: string, sortText: string, keys: readonly CursorKey[]): { values: unknown[] } | { error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return { error: NOT_A_CURSOR };
  }
  const c = parsed as { s?: unknown; v?: unknown };
  if (!c || typeof c !== 'object' || c.s !== sortText || !Array.isArray(c.v) || c.v.length !== keys.length) {
    return { error: OTHER_SORT };
  }
  const values: unknown[] = [];
  for (const [i, key] of keys.entries()) {
    const v: unknown = c.v[i];
    if (v === null && key.nullable) {
      values.push(null);
      continue;
    }
    const value = typeof v === 'string' || typeof v === 'number' ? parseValue(key.spec, String(v)) : { error: NOT_A_CURSOR };
    if (value.error) return { error: NOT_A_CURSOR };
    values.push(value.value);
  }
  return { values };
}
