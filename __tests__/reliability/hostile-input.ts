/**
 * fast-check arbitraries for the input classes that once answered 500: text with NUL characters,
 * lone UTF-16 surrogates, astral characters and great length; JSON nested far deeper than the
 * limit; dates at and beyond the edges of PostgreSQL's and JavaScript's ranges. Each comes with
 * an oracle written apart from src/ (Node's own String#isWellFormed, Date arithmetic), so the
 * fuzz tests check the service against an independent statement of the rule.
 */
import fc from 'fast-check';

const lone = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const astral = fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c));
const plain = fc.string({ unit: 'grapheme-ascii', maxLength: 8 });

/** Short text made of plain, NUL, lone-surrogate and astral pieces, or a very long string. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .array(fc.oneof(plain, plain, fc.constant('\u0000'), lone, astral, fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 6 })
      .map((parts) => parts.join('')),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 1_000, max: 100_000 }), fc.constantFrom('x', 'é', '😀', '\u0000', '\ud800'))
      .map(([n, c]) => c.repeat(n)),
  },
);

/** What PostgreSQL cannot store in text or jsonb: a NUL character or a string that is not well-formed UTF-16. */
export function unstorable(text: string): boolean {
  return text.includes('\u0000') || !(text as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** A JSON value nested `depth` levels (arrays and objects alternating), built without recursion. */
export function nestedValue(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { k: value };
  return value;
}

/** Depth of arrays and objects of a value (iterative). */
export function depthOf(root: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (value === null || typeof value !== 'object') continue;
    max = Math.max(max, depth + 1);
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return max;
}

/** JSON object values for metadata/parameters: shallow ones with hostile text, and deep ones up to 5000 levels. */
export const hostileJson: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.dictionary(hostileText, fc.oneof(hostileText, fc.jsonValue({ maxDepth: 2 })), { maxKeys: 3 }),
  fc.tuple(fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 40, max: 5_000 })), hostileText).map(([depth, leaf]) => ({
    deep: nestedValue(depth, leaf),
  })),
);

const FIRST = Date.parse('0001-01-01T00:00:00.000Z');
const LAST = Date.parse('9999-12-31T23:59:59.999Z');
const offset = fc
  .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
  .map(([sign, h, m]) => `${sign}${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
const fourDigitYear = fc.integer({ min: 0, max: 9999 }).map((y) => String(y).padStart(4, '0'));

/**
 * ISO 8601 date-times near the edges: years 0000, 0001, 9999 with any offset, JavaScript's own
 * extremes (±275760 / -271821, six-digit years) and any instant JavaScript can hold.
 */
export const edgeDate: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.constantFrom('0000', '0001', '9999'), fc.constantFrom('01-01T00:00:00', '12-31T23:59:59.999'), offset)
    .map(([y, rest, off]) => `${y}-${rest}${off}`),
  fc
    .tuple(fourDigitYear, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }), offset)
    .map(([y, mo, d, off]) => `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T12:00:00${off}`),
  fc.date({ min: new Date(-8.64e15), max: new Date(8.64e15), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.constantFrom('+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00.000Z', '+010000-01-01T00:00:00Z', '-000001-12-31T23:59:59Z'),
);

/** Whether an ISO date-time names an instant from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z. */
export function inStorableRange(iso: string): boolean {
  const t = Date.parse(iso);
  return Number.isFinite(t) && t >= FIRST && t <= LAST;
}

/** JSON.stringify without recursion: V8's own overflows the stack on values nested thousands deep. */
export function toJson(root: unknown): string {
  const out: string[] = [];
  const stack: Array<{ text: string } | { value: unknown }> = [{ value: root }];
  while (stack.length) {
    const frame = stack.pop() as { text: string } | { value: unknown };
    if ('text' in frame) {
      out.push(frame.text);
      continue;
    }
    const v = frame.value;
    if (v === null || typeof v !== 'object') {
      out.push(JSON.stringify(v) ?? 'null');
      continue;
    }
    const array = Array.isArray(v);
    const entries = Object.entries(v);
    stack.push({ text: array ? ']' : '}' });
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i] as [string, unknown];
      stack.push({ value: child });
      if (!array) stack.push({ text: `${JSON.stringify(key)}:` });
      if (i > 0) stack.push({ text: ',' });
    }
    stack.push({ text: array ? '[' : '{' });
  }
  return out.join('');
}
