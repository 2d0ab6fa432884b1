/**
 * A model's row as hand-built write statements see it, from the generated model metadata
 * (src/models/generated/schema.ts): each field's quoted column, the cast of its parameter and
 * how its value is sent, the default a client must generate (Prisma's uuid()), and the jsonb
 * of its value as the event log keeps it — the same as audit.ts's snapshot: Dates as ISO
 * strings with ms and Z, BigInt as decimal strings, secrets redacted.
 */
import { randomUUID } from 'node:crypto';
import { quoteIdent } from '../db/pg-url';
import type { FieldMeta } from '../db/sql-names';
import { REDACTED, SECRET_FIELDS } from './audit';

export interface Column {
  field: string;
  /** The quoted column. */
  column: string;
  /** `$n` cast to the column's type. */
  param(n: number): string;
  /** A value as the statement's parameter (casts in SQL do the rest). */
  value(v: unknown): unknown;
  /** A value the client makes when the row sets none (Prisma's uuid() defaults: not in the database). */
  generate?: () => string;
  /** Prisma sets it on every write (@updatedAt). */
  updatedAt: boolean;
  /** The jsonb of expression `expr` (a value of this column) as a response carries it (toOutput, then JSON). */
  json(expr: string): string;
  /** The same as the event log keeps it (secrets redacted). */
  snapshot(expr: string): string;
}

/**
 * A UUID of version 7 (RFC 9562): 48 bits of Unix time in ms, then random bits; what Prisma's
 * uuid(7) makes. The random bits are a version-4 UUID's (randomUUID draws from a cached pool of
 * random bytes, where randomBytes(16) is a system call per id) after its version digit.
 */
export function uuidv7(): string {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx
  const time = Date.now().toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}

const SCALAR_CASTS: Record<string, string> = {
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Boolean: 'boolean',
  Json: 'jsonb',
  Decimal: 'numeric',
};

/** The SQL type of a field's parameter; undefined for types these statements do not handle. */
function castOf(f: FieldMeta, enumType: (name: string) => string): string | undefined {
  if (f.kind === 'enum') return enumType(f.type);
  if (f.type === 'String') return f.nativeType === 'Uuid' ? 'uuid' : 'text';
  if (f.type === 'DateTime')
    return f.nativeType === 'Timestamptz' ? 'timestamptz' : f.nativeType === null || f.nativeType === 'Timestamp' ? 'timestamp' : undefined;
  return SCALAR_CASTS[f.type];
}

function generatorOf(f: FieldMeta): (() => string) | undefined | false {
  const d = f.default as { name?: unknown; args?: unknown[] } | null | undefined;
  if (!d || typeof d !== 'object' || typeof d.name !== 'string') return undefined;
  if (d.name === 'uuid') return d.args?.[0] === 7 ? uuidv7 : randomUUID;
  // Defaults the database makes (DEFAULT in the migration): the INSERT leaves the column out.
  if (['now', 'autoincrement', 'dbgenerated', 'sequence'].includes(d.name)) return undefined;
  return false; // cuid(), nanoid(), ulid(): made by Prisma's client, not here
}

/** jsonb of a value: timestamps as toISOString() writes them, BigInt as text, the rest as PostgreSQL converts it. */
function jsonOf(f: FieldMeta, expr: string): string {
  if (f.type === 'DateTime') {
    const utc = f.nativeType === 'Timestamptz' ? `${expr} AT TIME ZONE 'UTC'` : expr;
    return `to_jsonb(to_char(${utc}, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`;
  }
  if (f.type === 'BigInt' || f.type === 'Decimal') return `to_jsonb(${expr}::text)`;
  if (f.type === 'Json') return expr;
  return `to_jsonb(${expr})`;
}

function sendValue(f: FieldMeta): (v: unknown) => unknown {
  if (f.type === 'Json') return (v) => (v === null || v === undefined ? v : JSON.stringify(v));
  return (v) => (v instanceof Date ? v.toISOString() : typeof v === 'bigint' ? v.toString() : v);
}

/**
 * The columns of a model (field order, relations left out), or undefined when one of them is
 * of a kind these statements do not handle (lists, bytes, client-made cuid()): such a model
 * keeps Prisma's own writes.
 */
export function columnsOf(fields: Readonly<Record<string, FieldMeta>>, enumType: (name: string) => string): Column[] | undefined {
  const columns: Column[] = [];
  for (const [field, f] of Object.entries(fields)) {
    if (f.kind === 'object') continue;
    const cast = castOf(f, enumType);
    const generate = generatorOf(f);
    if (!cast || generate === false || f.list) return undefined;
    const secret = SECRET_FIELDS.has(field);
    columns.push({
      field,
      column: quoteIdent(f.dbName ?? field),
      param: (n) => `$${n}::${cast}`,
      value: sendValue(f),
      generate,
      updatedAt: Boolean(f.updatedAt),
      json: (expr) => jsonOf(f, expr),
      snapshot: (expr) =>
        secret ? `CASE WHEN ${expr} IS NULL THEN NULL ELSE ${quoteLiteral(JSON.stringify(REDACTED))}::jsonb END` : jsonOf(f, expr),
    });
  }
  return columns;
}

export const quoteLiteral = (text: string): string => `'${text.replace(/'/g, "''")}'`;

/**
 * jsonb_build_object of (key, jsonb) pairs; PostgreSQL takes at most 100 arguments a call, so
 * wider rows are built in parts and concatenated.
 */
export function jsonObjectOf(pairs: ReadonlyArray<readonly [string, string]>): string {
  if (!pairs.length) return `'{}'::jsonb`;
  const parts: string[] = [];
  for (let i = 0; i < pairs.length; i += 50) {
    parts.push(
      `jsonb_build_object(${pairs
        .slice(i, i + 50)
        .map(([k, v]) => `${quoteLiteral(k)}, ${v}`)
        .join(', ')})`,
    );
  }
  return parts.join(' || ');
}
