/**
 * Destructive maintenance behind `npm run migrate:clear:destroy-data` and `npm run migrate:reset`.
 * The scripts in scripts/ only ask and print.
 *
 * - clear: drops and recreates the configured schema only (owner, privileges and the
 *   extensions that lived in it are restored), then applies every migration. Other schemas,
 *   roles and extensions elsewhere are not touched.
 * - reset: drops every non-system schema of the database, recreates `public` (and the
 *   configured schema), then applies every migration. Seeding is the caller's business.
 */
import type pg from 'pg';
import { deployMigrations } from './migrations';
import { withClient } from './open';
import { parsePgUrl, quoteIdent } from './pg-url';

export type Progress = (message: string) => void;

async function inTransaction(client: pg.Client, statements: string[]): Promise<void> {
  await client.query('BEGIN');
  try {
    for (const sql of statements) await client.query(sql);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;

/** SQL that recreates `schema` as it is now, empty: owner, privileges, comment, extensions. */
async function recreateStatements(client: pg.Client, schema: string): Promise<string[]> {
  const q = quoteIdent(schema);
  const { rows } = await client.query<{ owner: string; comment: string | null }>(
    `SELECT pg_get_userbyid(nspowner) AS owner, obj_description(oid, 'pg_namespace') AS comment FROM pg_namespace WHERE nspname = $1`,
    [schema],
  );
  const current = rows[0];
  if (!current) return [`CREATE SCHEMA ${q}`];
  const grants = await client.query<{ grantee: string | null; privilege: string; grantable: boolean }>(
    `SELECT CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END AS grantee,
            a.privilege_type AS privilege, a.is_grantable AS grantable
       FROM pg_namespace n, aclexplode(n.nspacl) a
      WHERE n.nspname = $1 AND a.grantee <> n.nspowner`,
    [schema],
  );
  const extensions = await client.query<{ name: string; version: string }>(
    `SELECT e.extname AS name, e.extversion AS version FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE n.nspname = $1`,
    [schema],
  );
  return [
    `DROP SCHEMA ${q} CASCADE`,
    `CREATE SCHEMA ${q} AUTHORIZATION ${quoteIdent(current.owner)}`,
    ...grants.rows.map(
      (g) =>
        `GRANT ${g.privilege} ON SCHEMA ${q} TO ${g.grantee ? quoteIdent(g.grantee) : 'PUBLIC'}${g.grantable ? ' WITH GRANT OPTION' : ''}`,
    ),
    ...(current.comment ? [`COMMENT ON SCHEMA ${q} IS ${literal(current.comment)}`] : []),
    ...extensions.rows.map(
      (e) => `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(e.name)} WITH SCHEMA ${q} VERSION ${literal(e.version)} CASCADE`,
    ),
  ];
}

/** Drops and recreates the configured schema (with its owner, privileges, extensions), then migrates. */
export async function clearSchema(url: string, progress: Progress): Promise<void> {
  const { schema } = parsePgUrl(url);
  await withClient(url, async (client) => {
    const statements = await recreateStatements(client, schema);
    const restored = statements.filter((sql) => /^(GRANT|COMMENT|CREATE EXTENSION)/.test(sql)).length;
    progress(`dropping and recreating schema "${schema}" (owner kept, ${restored} grant/comment/extension statement(s) restored)`);
    await inTransaction(client, statements);
  });
  progress('applying all migrations');
  await deployMigrations(url);
}

/** Drops every non-system schema of the database, recreates public (and the configured one), then migrates. */
export async function resetDatabase(url: string, progress: Progress): Promise<void> {
  const { schema } = parsePgUrl(url);
  await withClient(url, async (client) => {
    const { rows } = await client.query<{ name: string }>(
      `SELECT nspname AS name FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' ORDER BY 1`,
    );
    const version = Number((await client.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]?.v ?? 0);
    progress(`dropping schema(s): ${rows.map((r) => r.name).join(', ') || '(none)'}`);
    // PostgreSQL 15+ creates public owned by pg_database_owner, usable (not writable) by everyone.
    const publicSchema =
      version >= 150000
        ? ['CREATE SCHEMA public AUTHORIZATION pg_database_owner', 'GRANT USAGE ON SCHEMA public TO PUBLIC']
        : ['CREATE SCHEMA public', 'GRANT ALL ON SCHEMA public TO PUBLIC'];
    await inTransaction(client, [
      ...rows.map((r) => `DROP SCHEMA ${quoteIdent(r.name)} CASCADE`),
      ...publicSchema,
      ...(schema !== 'public' ? [`CREATE SCHEMA ${quoteIdent(schema)}`] : []),
    ]);
  });
  progress('applying all migrations');
  await deployMigrations(url);
}
