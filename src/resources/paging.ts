/**
 * Bounded listing pages. A page of 1000 rows whose JSON columns hold 64 KiB each would be a
 * response of tens of megabytes, and several at once would hold hundreds of megabytes of
 * rows, objects and text. So rows are read in batches that hold at most BATCH_JSON_BYTES of JSON
 * column values (each value is at most 64 KiB, src/core/input-limits.ts), serialized one by one,
 * and the page ends early (with a cursor to the rest) once its JSON reaches PAGE_BUDGET_BYTES.
 * A request then holds at most one batch of rows besides the serialized page.
 */
import { MAX_JSON_VALUE_BYTES } from '../core/input-limits';

/** A page's rows stop once their JSON reaches this many bytes (at least one row is always sent). */
export const PAGE_BUDGET_BYTES = 4 * 1024 * 1024;
/** JSON column values one batch of rows may hold at most. */
export const BATCH_JSON_BYTES = 8 * 1024 * 1024;
/** Rows per batch when the rows carry no JSON column (their other columns are short, bounded text). */
export const MAX_BATCH_ROWS = 200;

/**
 * Rows read from the database per query, for rows carrying `jsonColumns` JSON values each (own
 * and embedded): 128 with one, 64 with two, MAX_BATCH_ROWS with none. A page of up to that many
 * rows (the usual 50) is still one query.
 */
export function batchRows(jsonColumns: number): number {
  return jsonColumns ? Math.min(MAX_BATCH_ROWS, Math.floor(BATCH_JSON_BYTES / (jsonColumns * MAX_JSON_VALUE_BYTES))) : MAX_BATCH_ROWS;
}

export interface PageSource<R> {
  /** Up to `take` rows in sort order, after the row `after` (or from the start). */
  fetch(after: R | undefined, take: number): Promise<R[]>;
  /** The row as the client sees it, as JSON text. */
  serialize(row: R): string;
}

export interface SerializedPage<R> {
  /** Each item as JSON text, in order. */
  items: string[];
  /** The last row sent, when more rows follow (for the next cursor). */
  continueAfter: R | undefined;
}

export async function readPage<R>(
  source: PageSource<R>,
  limit: number,
  batch: number,
  budget = PAGE_BUDGET_BYTES,
): Promise<SerializedPage<R>> {
  const items: string[] = [];
  let bytes = 0;
  let last: R | undefined;
  for (;;) {
    const want = Math.min(limit - items.length, batch);
    // One row more than wanted says whether anything follows this batch.
    const rows = await source.fetch(last, want + 1);
    for (const row of rows.slice(0, want)) {
      const text = source.serialize(row);
      bytes += Buffer.byteLength(text, 'utf8') + 1;
      if (items.length && bytes > budget) return { items, continueAfter: last };
      items.push(text);
      last = row;
    }
    if (rows.length <= want) return { items, continueAfter: undefined };
    if (items.length >= limit) return { items, continueAfter: last };
  }
}
