/**
 * For the tests of the migration scripts: running a script as an operator would (a child
 * process, stdin not a terminal), plain SQL against a URL, a copy of prisma/ to change freely,
 * and a snapshot of a schema's catalog to compare schemas with.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { parsePgUrl } from '../../src/db/pg-url';
import { ROOT, runTs } from './process';

export type ScriptResult = Awaited<ReturnType<typeof runTs>>;

/** `npm run <script>` as an operator runs it; no time limit of its own (the test's applies). */
export const runScript = (script: string, args: string[], env: Record<string, string>): Promise<ScriptResult> =>
  runTs([path.join('scripts', script), ...args], { NODE_ENV: 'test', ...env }, 0);

export async function sql<T extends pg.QueryResultRow = Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client(parsePgUrl(url).config);
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

export const tables = async (url: string, schema: string): Promise<string[]> =>
  (await sql<{ t: string }>(url, `SELECT tablename AS t FROM pg_tables WHERE schemaname = '${schema}' ORDER BY 1`)).map((r) => r.t);

/** Names of the migrations recorded as applied (finished, not rolled back). */
export const appliedMigrations = async (url: string, schema: string): Promise<string[]> =>
  (
    await sql<{ m: string }>(
      url,
      `SELECT migration_name AS m FROM "${schema}"._prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY 1`,
    )
  ).map((r) => r.m);

/**
 * A scratch copy of prisma/ (schema.prisma and migrations/, or only the first `count`
 * migrations) inside data/ (ignored by git, and below node_modules for generated clients).
 * Scripts take it with `--schema <dir>/prisma/schema.prisma`.
 */
export function scratchPrisma(label: string, count?: number): { root: string; schemaFile: string; migrationsDir: string; remove(): void } {
  mkdirSync(path.join(ROOT, 'data'), { recursive: true });
  const root = mkdtempSync(path.join(ROOT, 'data', `test-${label}-`));
  const prismaDir = path.join(root, 'prisma');
  mkdirSync(path.join(prismaDir, 'migrations'), { recursive: true });
  cpSync(path.join(ROOT, 'prisma', 'schema.prisma'), path.join(prismaDir, 'schema.prisma'));
  const source = path.join(ROOT, 'prisma', 'migrations');
  const names = readdirSync(source, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  cpSync(path.join(source, 'migration_lock.toml'), path.join(prismaDir, 'migrations', 'migration_lock.toml'));
  for (const name of names.slice(0, count ?? names.length)) {
    cpSync(path.join(source, name), path.join(prismaDir, 'migrations', name), { recursive: true });
  }
  return {
    root,
    schemaFile: path.join(prismaDir, 'schema.prisma'),
    migrationsDir: path.join(prismaDir, 'migrations'),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * Everything in a schema that a migration can create, as text, from the catalog: tables and
 * columns (type, nullability, default), constraints, indexes, enums with their values, sequences,
 * triggers, functions and views — `_prisma_migrations` left out. Two equal snapshots are the same
 * schema, including what `prisma migrate diff` does not model (triggers, functions, CHECKs).
 */
export async function schemaSnapshot(url: string, schema: string): Promise<Record<string, string[]>> {
  const q = async (text: string): Promise<string[]> => (await sql<{ s: string }>(url, text)).map((r) => r.s);
  const ns = `(SELECT oid FROM pg_namespace WHERE nspname = '${schema}')`;
  return {
    columns: await q(
      `SELECT table_name || '.' || column_name || ' ' || data_type || '/' || udt_name || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS s
         FROM information_schema.columns WHERE table_schema = '${schema}' AND table_name <> '_prisma_migrations' ORDER BY 1`,
    ),
    constraints: await q(
      `SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) AS s FROM pg_constraint
        WHERE connamespace = ${ns} AND contype <> 'n' AND conrelid::regclass::text NOT LIKE '%_prisma_migrations%' ORDER BY 1`,
    ),
    indexes: await q(
      `SELECT indexdef AS s FROM pg_indexes WHERE schemaname = '${schema}' AND tablename <> '_prisma_migrations' ORDER BY 1`,
    ),
    enums: await q(
      `SELECT t.typname || ': ' || string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS s
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid WHERE t.typnamespace = ${ns} GROUP BY t.typname ORDER BY 1`,
    ),
    sequences: await q(`SELECT sequencename AS s FROM pg_sequences WHERE schemaname = '${schema}' ORDER BY 1`),
    triggers: await q(
      `SELECT pg_get_triggerdef(t.oid) AS s FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        WHERE c.relnamespace = ${ns} AND NOT t.tgisinternal ORDER BY 1`,
    ),
    functions: await q(`SELECT pg_get_functiondef(p.oid) AS s FROM pg_proc p WHERE p.pronamespace = ${ns} ORDER BY 1`),
    views: await q(`SELECT viewname || ': ' || definition AS s FROM pg_views WHERE schemaname = '${schema}' ORDER BY 1`),
  };
}

/**
 * Puts `count` rows into any table: a value of its type in every NOT NULL column without a
 * default (distinct per row, for unique indexes), as the superuser with foreign keys unchecked
 * (`session_replication_role = replica`), since the rows only need to exist, not to make sense.
 */
export async function fillerRows(url: string, schema: string, table: string, count: number): Promise<void> {
  const columns = await sql<{ name: string; type: string; typname: string; category: string; label: string | null }>(
    url,
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, t.typname, t.typcategory AS category,
            (SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder LIMIT 1) AS label
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = '"${schema}"."${table}"'::regclass AND a.attnum > 0 AND NOT a.attisdropped
        AND a.attnotnull AND NOT a.atthasdef AND a.attidentity = '' AND a.attgenerated = ''`,
  );
  const value = (c: (typeof columns)[number]): string => {
    if (c.typname === 'uuid') return 'gen_random_uuid()';
    if (c.typname === 'json' || c.typname === 'jsonb') return `'{}'::${c.type}`;
    if (c.label !== null) return `'${c.label.replace(/'/g, "''")}'::${c.type}`;
    const byCategory: Record<string, string> = { S: `'filler-' || g`, N: 'g', D: 'now()', B: 'true' };
    const expr = byCategory[c.category];
    if (!expr) throw new Error(`fillerRows: no value for ${table}.${c.name} of type ${c.type}`);
    return `(${expr})::${c.type}`;
  };
  const names = columns.map((c) => `"${c.name}"`).join(', ');
  await sql(
    url,
    `BEGIN; SET LOCAL session_replication_role = replica;
     INSERT INTO "${schema}"."${table}" (${names}) SELECT ${columns.map(value).join(', ')} FROM generate_series(1, ${count}) AS g;
     COMMIT`,
  );
}
