/** Rows as clients see them: hidden fields dropped, BigInt as decimal strings, ETags. */
import { createHash } from 'node:crypto';
import type { ResourceDescriptor } from './descriptor';

export type Lookup = (name: string) => ResourceDescriptor;
/** Whether the caller may read this row of that resource directly (the resource's own rule). */
export type CanSee = (d: ResourceDescriptor, row: Record<string, unknown>) => boolean;

/**
 * A row as the caller sees it. An embedded row (include=) obeys its own resource's visibility:
 * one the caller may not read directly shows only that resource's public fields.
 */
export function toOutput(
  d: ResourceDescriptor,
  row: Record<string, unknown>,
  lookup: Lookup,
  canSee: CanSee,
  only?: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const { hidden, relations } = d;
  // for…in over the row's own keys (rows are plain objects): no array of entries per row.
  for (const key in row) {
    const value = row[key];
    if (hidden?.includes(key)) continue;
    const relation = relations?.[key];
    if (relation) {
      const target = lookup(relation.resource);
      const embedded = value as Record<string, unknown> | null;
      out[key] =
        embedded === null ? null : toOutput(target, embedded, lookup, canSee, canSee(target, embedded) ? undefined : publicFields(target));
      continue;
    }
    if (only && key !== 'id' && !only.includes(key)) continue;
    out[key] = typeof value === 'bigint' ? value.toString() : value;
  }
  return out;
}

export const publicFields = (d: ResourceDescriptor): readonly string[] => d.publicFields ?? ['id'];

/** A strong ETag of the representation. */
export function etagOf(output: Record<string, unknown>): string {
  return `"${createHash('sha256').update(JSON.stringify(output)).digest('base64url').slice(0, 27)}"`;
}

/** Does an If-Match / If-None-Match header value list this ETag (or `*`)? */
export function matchesEtag(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((s) => s.trim().replace(/^W\//, ''))
    .some((tag) => tag === '*' || tag === etag);
}
