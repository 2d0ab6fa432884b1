/**
 * Connection strings in the form Prisma users know: `postgresql://…/db?schema=name`.
 * `pg` has no notion of `schema`, so it is split off here and applied as the
 * adapter's schema and the connection's search_path.
 */
import type { ClientConfig } from 'pg';
import { parseIntoClientConfig } from 'pg-connection-string';

export interface PgTarget {
  /**
   * Connection settings for `pg`, as fields rather than a connection string: a
   * connection string would override `database`, which Prisma's shadow database needs to set.
   */
  config: ClientConfig;
  /** The PostgreSQL schema the models live in (`public` unless the URL says otherwise). */
  schema: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function parsePgUrl(url: string): PgTarget {
  const parsed = new URL(url);
  if (parsed.protocol !== 'postgresql:' && parsed.protocol !== 'postgres:') {
    throw new Error(`not a PostgreSQL URL (protocol ${parsed.protocol})`);
  }
  const schema = parsed.searchParams.get('schema') ?? 'public';
  if (!SCHEMA_NAME.test(schema)) throw new Error(`schema "${schema}" must match ${String(SCHEMA_NAME)}`);
  parsed.searchParams.delete('schema');
  const config = parseIntoClientConfig(parsed.toString());
  // Unqualified names (migration scripts, raw SQL) resolve in the schema. Servers that ignore
  // start-up options (the embedded PGlite) serve `public` only.
  if (schema !== 'public') config.options = [config.options, `-c search_path=${schema}`].filter(Boolean).join(' ');
  return { config, schema };
}

/** A URL for the same server and database with another schema. */
export function withSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('schema', schema);
  return parsed.toString();
}

/** The URL with its password replaced, for logs and messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable URL>';
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
