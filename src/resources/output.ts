/** Rows as clients see them: hidden fields dropped, BigInt as decimal strings, ETags. */
import { createHash } from 'node:crypto';
import type { ResourceDescriptor } from './descriptor';

export type Lookup = (name: string) => ResourceDescriptor;

export function toOutput(
  d: ResourceDescriptor,
  row: Record<string, unknown>,
  lookup: Lookup,
  only?: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (d.hidden?.includes(key)) continue;
    const relation = d.relations?.[key];
    if (relation) {
      out[key] = value === null ? null : toOutput(lookup(relation.resource), value as Record<string, unknown>, lookup);
      continue;
    }
    if (only && key !== 'id' && !only.includes(key)) continue;
    out[key] = typeof value === 'bigint' ? value.toString() : value;
  }
  return out;
}

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
