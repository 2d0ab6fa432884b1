/**
 * What input the service can store and compute with, checked once, before any of it reaches
 * Zod, Prisma or PostgreSQL:
 * - text: PostgreSQL stores no NUL character (U+0000) in `text` or `jsonb`, and no unpaired
 *   UTF-16 surrogate (U+D800–U+DFFF alone) has a UTF-8 form;
 * - nesting: request bodies nest at most MAX_JSON_DEPTH arrays and objects. Zod, Prisma and
 *   JSON.stringify walk values recursively (Zod overflows the stack from about 10 000 levels,
 *   Prisma's query compiler fails from about 125); V8's JSON.parse does not (1 000 000 levels parse
 *   in Node 20), so the check runs on the parsed body, before any of them;
 * - JSON columns (metadata, parameters): at most MAX_JSON_VALUE_BYTES each, as UTF-8 JSON;
 * - dates: from MIN_DATE to MAX_DATE, the years 0001–9999 that PostgreSQL, Prisma (which sends
 *   ISO strings) and JavaScript all represent alike.
 */
import type { FieldError } from './errors';

export const MAX_JSON_DEPTH = 32;
export const MAX_JSON_VALUE_BYTES = 64 * 1024;
export const MIN_DATE = new Date('0001-01-01T00:00:00.000Z');
export const MAX_DATE = new Date('9999-12-31T23:59:59.999Z');
/** At most this many problems are reported for one request part (a huge body must not make a huge answer). */
const MAX_REPORTED = 20;

// A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
// eslint-disable-next-line no-control-regex -- the NUL is what this looks for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why PostgreSQL cannot store this text, or undefined when it can. */
export function textProblem(text: string): string | undefined {
  const found = UNSTORABLE.exec(text);
  if (!found) return undefined;
  return found[0] === '\u0000'
    ? 'contains a NUL character (U+0000), which cannot be stored'
    : 'contains an unpaired UTF-16 surrogate (not valid Unicode text)';
}

export const DATE_RANGE_MESSAGE = 'must be between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z (after applying its offset)';

/** Whether PostgreSQL and JavaScript both represent this date (an invalid Date does not count). */
export function dateInRange(date: Date): boolean {
  const t = date.getTime();
  return t >= MIN_DATE.getTime() && t <= MAX_DATE.getTime();
}

/** Why this JSON column value is too large, or undefined. Called after inspect(), so the value is shallow enough to stringify. */
export function jsonSizeProblem(value: unknown): string | undefined {
  const bytes = Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
  return bytes <= MAX_JSON_VALUE_BYTES ? undefined : `is ${bytes} bytes as JSON; at most ${MAX_JSON_VALUE_BYTES} (64 KiB) are accepted`;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Walks a parsed request part (a JSON body, the query object) without recursion, so any depth is
 * safe to inspect, and reports every string or object key that cannot be stored and the first
 * place nested deeper than MAX_JSON_DEPTH. Paths are `<part>.<key>.<index>…`; a bad key is
 * reported at the object holding it (the key itself may not be printable).
 */
export function inspect(part: string, root: unknown): FieldError[] {
  const errors: FieldError[] = [];
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: root, path: part, depth: 0 }];
  let tooDeep = false;
  while (stack.length && errors.length < MAX_REPORTED) {
    const { value, path, depth } = stack.pop() as { value: unknown; path: string; depth: number };
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) errors.push({ path, message: problem });
      continue;
    }
    // Only what JSON.parse and the query parser make: arrays and plain objects (never a Buffer of a raw body).
    if (value === null || typeof value !== 'object' || !(Array.isArray(value) || isPlainObject(value))) continue;
    if (depth >= MAX_JSON_DEPTH) {
      if (!tooDeep) errors.push({ path, message: `nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels` });
      tooDeep = true;
      continue;
    }
    const entries: Array<[string, unknown]> = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i] as [string, unknown];
      if (!Array.isArray(value)) {
        const problem = textProblem(key);
        if (problem) {
          errors.push({ path, message: `has a key that ${problem}` });
          continue;
        }
      }
      stack.push({ value: child, path: `${path}.${key}`, depth: depth + 1 });
    }
  }
  return errors;
}
