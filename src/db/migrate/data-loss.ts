/**
 * Which rows a script would destroy: its `DROP TABLE` and `ALTER TABLE … DROP COLUMN` statements
 * (as `prisma migrate diff` writes them), with the rows those tables hold and the non-NULL values
 * those columns hold, counted up to a cap so a huge table does not stall the warning.
 * Other statements (a hand-written DELETE, a DO block) are not inspected.
 */
import type pg from 'pg';

export interface DataLoss {
  /** Quoted, as in the script: `"LoginAttempt"` or `"LoginAttempt"."ip"`. */
  target: string;
  kind: 'table' | 'column';
  rows: number;
  /** True when the count stopped at the cap. */
  atLeast: boolean;
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const QUALIFIED = String.raw`${IDENT}(?:\s*\.\s*${IDENT})?`;
const DROP_TABLE = new RegExp(String.raw`^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(${QUALIFIED}(?:\s*,\s*${QUALIFIED})*)`, 'i');
const ALTER_TABLE = new RegExp(String.raw`^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(${QUALIFIED})\s+([\s\S]*)$`, 'i');
const DROP_COLUMN = new RegExp(String.raw`DROP\s+(?:COLUMN\s+)?(?:IF\s+EXISTS\s+)?(${IDENT})`, 'gi');
const COUNT_CAP = 1_000_000;

/** The statements of a script, without `--` comments, split at `;` (Prisma's scripts have none in strings). */
function statements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trim().startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean);
}

const quote = (ident: string): string => (ident.startsWith('"') ? ident : `"${ident.toLowerCase()}"`);
const qualified = (name: string): string =>
  name
    .split(/\s*\.\s*(?=(?:[^"]*"[^"]*")*[^"]*$)/)
    .map(quote)
    .join('.');

/** The tables and columns a script drops. */
export function droppedObjects(sql: string): Array<{ table: string; column?: string }> {
  const found: Array<{ table: string; column?: string }> = [];
  for (const statement of statements(sql)) {
    const drop = DROP_TABLE.exec(statement);
    if (drop) {
      for (const t of (drop[1] as string).split(/\s*,\s*/)) found.push({ table: qualified(t) });
      continue;
    }
    const alter = ALTER_TABLE.exec(statement);
    if (!alter) continue;
    for (const clause of (alter[2] as string).split(/,\s*(?=(?:ADD|DROP|ALTER|RENAME)\b)/i)) {
      DROP_COLUMN.lastIndex = 0;
      const col = DROP_COLUMN.exec(clause.trim());
      // DROP CONSTRAINT / DROP DEFAULT / DROP NOT NULL lose no data.
      if (col && col.index === 0 && !/^DROP\s+(CONSTRAINT|DEFAULT|NOT\s+NULL|EXPRESSION|IDENTITY)\b/i.test(clause.trim())) {
        found.push({ table: qualified(alter[1] as string), column: quote(col[1] as string) });
      }
    }
  }
  return found;
}

/** The data the script would destroy, as the database holds it now (objects that do not exist are skipped). */
export async function dataLoss(client: Pick<pg.Client, 'query'>, sql: string): Promise<DataLoss[]> {
  const losses: DataLoss[] = [];
  for (const { table, column } of droppedObjects(sql)) {
    const where = column ? `WHERE ${column} IS NOT NULL` : '';
    try {
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${table} ${where} LIMIT ${COUNT_CAP}) AS sample`,
      );
      const n = rows[0]?.n ?? 0;
      if (n > 0)
        losses.push({ target: column ? `${table}.${column}` : table, kind: column ? 'column' : 'table', rows: n, atLeast: n >= COUNT_CAP });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== '42P01' && code !== '42703') throw err; // undefined table / column
    }
  }
  return losses;
}

export function describeLoss(loss: DataLoss): string {
  const n = `${loss.atLeast ? 'at least ' : ''}${loss.rows}`;
  return loss.kind === 'table' ? `table ${loss.target} holds ${n} row(s)` : `column ${loss.target} holds ${n} non-NULL value(s)`;
}
