/**
 * Splits a PostgreSQL script (a migration file) into its statements, at the semicolons that end
 * a statement: not those inside a string ('…' with '' escapes, E'…' with backslash escapes),
 * a quoted identifier ("…"), a dollar-quoted body ($$…$$, $fn$…$fn$) or a comment (-- … and
 * nested /* … *\/). Comment-only pieces are dropped; each statement keeps its own comments.
 *
 * @prisma/adapter-pg runs a migration statement by statement after splitting it at every `;`,
 * which breaks function bodies; the Prisma CLI's adapter (prisma-cli-adapter.ts) uses this
 * instead. Not handled: SQL-standard function bodies (BEGIN ATOMIC … END) — write the body
 * dollar-quoted — and strings with backslash escapes under standard_conforming_strings = off.
 */

const isIdentChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);

/** The end of the string, identifier, body or comment that starts at `i`, or -1 if none starts there. */
function skipQuoted(sql: string, i: number): number {
  const c = sql[i];
  const next = sql[i + 1];
  if (c === '-' && next === '-') {
    const end = sql.indexOf('\n', i);
    return end < 0 ? sql.length : end + 1;
  }
  if (c === '/' && next === '*') {
    let depth = 1;
    let j = i + 2;
    while (j < sql.length && depth > 0) {
      if (sql[j] === '/' && sql[j + 1] === '*') [depth, j] = [depth + 1, j + 2];
      else if (sql[j] === '*' && sql[j + 1] === '/') [depth, j] = [depth - 1, j + 2];
      else j++;
    }
    return j;
  }
  if (c === "'" || c === '"') {
    // E'…' strings take backslash escapes; the E must start a token (not end an identifier).
    const escapes = c === "'" && (sql[i - 1] === 'E' || sql[i - 1] === 'e') && !isIdentChar(sql[i - 2]);
    let j = i + 1;
    while (j < sql.length) {
      if (escapes && sql[j] === '\\') j += 2;
      else if (sql[j] === c && sql[j + 1] === c)
        j += 2; // doubled quote
      else if (sql[j] === c) return j + 1;
      else j++;
    }
    return sql.length;
  }
  if (c === '$' && !isIdentChar(sql[i - 1])) {
    const tag = /^\$([A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 64));
    if (!tag) return -1; // $1 (a parameter) or a lone $
    const end = sql.indexOf(tag[0], i + tag[0].length);
    return end < 0 ? sql.length : end + tag[0].length;
  }
  return -1;
}

/** Whether `piece` holds anything but whitespace and comments. */
function hasCode(piece: string): boolean {
  let i = 0;
  while (i < piece.length) {
    if (/\s/.test(piece[i] as string)) i++;
    else if ((piece[i] === '-' && piece[i + 1] === '-') || (piece[i] === '/' && piece[i + 1] === '*')) i = skipQuoted(piece, i);
    else return true;
  }
  return false;
}

export function splitSqlScript(script: string): string[] {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  while (i < script.length) {
    const end = skipQuoted(script, i);
    if (end >= 0) {
      i = end;
    } else if (script[i] === ';') {
      statements.push(script.slice(start, i));
      start = ++i;
    } else {
      i++;
    }
  }
  statements.push(script.slice(start));
  return statements.filter(hasCode).map((s) => s.trim());
}
