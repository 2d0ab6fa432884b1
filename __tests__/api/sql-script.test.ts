import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { createCliAdapter } from '../../src/db/prisma-cli-adapter';
import { MIGRATIONS_DIR } from '../../src/db/migrations';
import { parsePgUrl, quoteIdent } from '../../src/db/pg-url';
import { splitSqlScript } from '../../src/db/sql-script';
import { testDatabaseUrl } from '../support/app';

describe('splitting a migration script into statements', () => {
  it.each([
    ['plain statements', 'CREATE TABLE a (x int);\nDROP TABLE b;', ['CREATE TABLE a (x int)', 'DROP TABLE b']],
    ['no final semicolon', 'SELECT 1', ['SELECT 1']],
    [
      'a string with a semicolon and a doubled quote',
      "INSERT INTO t VALUES ('a;b''c;'); SELECT 2",
      ["INSERT INTO t VALUES ('a;b''c;')", 'SELECT 2'],
    ],
    ['an E-string with a backslash-escaped quote', "SELECT E'it\\'s; fine'; SELECT 3", ["SELECT E'it\\'s; fine'", 'SELECT 3']],
    ['a quoted identifier', 'CREATE TABLE "a;b" (x int); SELECT 4', ['CREATE TABLE "a;b" (x int)', 'SELECT 4']],
    [
      'a dollar-quoted body',
      'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$;\nSELECT f();',
      ['CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END; $$', 'SELECT f()'],
    ],
    [
      'a tagged body holding $$',
      "DO $body$ BEGIN EXECUTE $$SELECT ';'$$; END $body$; SELECT 5",
      ["DO $body$ BEGIN EXECUTE $$SELECT ';'$$; END $body$", 'SELECT 5'],
    ],
    ['a line comment', '-- first; second\nSELECT 6; -- trailing; comment\n', ['-- first; second\nSELECT 6']],
    ['nested block comments', 'SELECT /* a; /* b; */ c; */ 7; SELECT 8', ['SELECT /* a; /* b; */ c; */ 7', 'SELECT 8']],
    ['a parameter and a $ inside an identifier', 'SELECT $1, a$b FROM t; SELECT 9', ['SELECT $1, a$b FROM t', 'SELECT 9']],
    ['only comments and blanks', '-- nothing\n/* here */ ;\n ; ', []],
  ])('when it holds %s, then it splits at the ends of statements only', (_, script, expected) => {
    expect(splitSqlScript(script)).toEqual(expected);
  });

  it('when a string is not closed, then the rest of the script stays one statement', () => {
    expect(splitSqlScript("SELECT 'a; SELECT 1")).toEqual(["SELECT 'a; SELECT 1"]);
  });

  it('when splitting the project migrations, then no piece ends inside a body, string or comment', () => {
    for (const dir of readdirSync(MIGRATIONS_DIR).filter((d) => /^\d/.test(d))) {
      const statements = splitSqlScript(readFileSync(path.join(MIGRATIONS_DIR, dir, 'migration.sql'), 'utf8'));
      expect(statements.length).toBeGreaterThan(0);
      for (const statement of statements) {
        expect((statement.match(/\$\$/g) ?? []).length % 2).toBe(0);
        expect((statement.replace(/--.*$/gm, '').match(/'/g) ?? []).length % 2).toBe(0);
      }
    }
  });
});

describe('the Prisma CLI adapter running a script', () => {
  const schema = `sql_script_${process.env.JEST_WORKER_ID ?? '1'}`;
  const admin = new pg.Client(parsePgUrl(testDatabaseUrl()).config);

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE; CREATE SCHEMA ${quoteIdent(schema)}`);
  });
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    await admin.end();
  });

  it('when the script defines a function whose body holds semicolons, then the function is created whole', async () => {
    const adapter = await createCliAdapter(testDatabaseUrl()).connect();
    try {
      await adapter.executeScript(
        `-- a comment; with a semicolon
         CREATE FUNCTION ${schema}.twice(x int) RETURNS int LANGUAGE plpgsql AS $$
         BEGIN
           x := x * 2;
           RETURN x; -- done; really
         END;
         $$;
         CREATE TABLE ${schema}."semi;colon" (note text DEFAULT 'a;b');`,
      );
    } finally {
      await adapter.dispose();
    }
    const { rows } = await admin.query<{ twice: number; note: string }>(
      `SELECT ${quoteIdent(schema)}.twice(21) AS twice, (SELECT column_default FROM information_schema.columns
        WHERE table_schema = $1 AND table_name = 'semi;colon') AS note`,
      [schema],
    );
    expect(rows[0]).toEqual({ twice: 42, note: "'a;b'::text" });
  });
});
