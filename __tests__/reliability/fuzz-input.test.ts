/**
 * Property-based tests (fast-check) for the input classes that once answered 500. Generated
 * text holds NUL characters, lone surrogates, astral characters and up to 100 000 characters;
 * JSON values nest up to 5000 levels; dates lie at and beyond the edges of the range PostgreSQL
 * and JavaScript share. Each case is checked against an oracle written apart from the service
 * (see hostile-input.ts): what cannot be stored is a 400 naming the field or parameter, nothing
 * is a 5xx, a refused request writes nothing, and what is stored reads back unchanged.
 * Cases per run: BODY_RUNS + QUERY_RUNS + CURSOR_RUNS (fixed; no time limit cuts a run short).
 */
import fc from 'fast-check';
import { truncateAll } from '../support/app';
import { createUser, type TestUser } from '../support/factories';
import { call, RawJson, startInstance, type Instance, type Reply } from './support';
import { depthOf, edgeDate, hostileJson, hostileText, inStorableRange, toJson, unstorable } from './hostile-input';

export const BODY_RUNS = 300;
export const QUERY_RUNS = 200;
export const CURSOR_RUNS = 100;
const MAX_DEPTH = 32; // the documented limits, written out here rather than imported from src/
const BODY_LIMIT = 1024 * 1024;

type Kind = 'text' | 'json' | 'date';
interface Target {
  path: string;
  base: () => Record<string, unknown>;
  fields: Array<[string, Kind]>;
  /** Text fields stored exactly as sent (no trimming or lower-casing), for the read-back check. */
  verbatim?: string[];
  bulk?: boolean;
  as: 'admin' | 'member' | 'none';
}

let serial = 0;
const TARGETS: Target[] = [
  {
    path: '/api/v1/sessions',
    base: () => ({ title: 'fuzz', startedAt: '2026-11-26T08:00:00Z' }),
    fields: [
      ['title', 'text'],
      ['device', 'text'],
      ['notes', 'text'],
      ['metadata', 'json'],
      ['startedAt', 'date'],
      ['endedAt', 'date'],
    ],
    verbatim: ['notes'],
    bulk: true,
    as: 'member',
  },
  {
    path: '/api/v1/recordings',
    base: () => ({ name: 'fuzz.edf', modality: 'EEG', format: 'application/x-edf' }),
    fields: [
      ['name', 'text'],
      ['format', 'text'],
      ['sha256', 'text'],
      ['storageUri', 'text'],
      ['metadata', 'json'],
      ['recordedAt', 'date'],
    ],
    bulk: true,
    as: 'member',
  },
  {
    path: '/api/v1/algos',
    base: () => ({ name: `fuzz-${++serial}`, version: '1.0.0' }),
    fields: [
      ['name', 'text'],
      ['version', 'text'],
      ['description', 'text'],
      ['parameters', 'json'],
    ],
    verbatim: ['description'],
    bulk: true,
    as: 'member',
  },
  {
    path: '/api/v1/users',
    base: () => ({ email: `fuzz-${++serial}@example.com`, name: 'Fuzz', password: 'correct horse battery' }),
    fields: [
      ['email', 'text'],
      ['name', 'text'],
      ['password', 'text'],
    ],
    as: 'admin',
  },
  {
    path: '/api/v1/api-keys',
    base: () => ({ name: 'fuzz' }),
    fields: [
      ['name', 'text'],
      ['expiresAt', 'date'],
    ],
    as: 'member',
  },
  {
    path: '/api/v1/auth/login',
    base: () => ({ email: 'nobody@example.com', password: 'x' }),
    fields: [
      ['email', 'text'],
      ['password', 'text'],
    ],
    as: 'none',
  },
];

/** Whether a generated value is one the service must refuse, by the documented rules. */
function mustRefuse(kind: Kind, value: unknown, bodyDepth: number): boolean {
  if (kind === 'text') return unstorable(value as string);
  if (kind === 'date') return !inStorableRange(value as string);
  const texts: string[] = [];
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') texts.push(v);
    else if (Array.isArray(v)) stack.push(...(v as unknown[]));
    else if (v && typeof v === 'object') for (const [k, child] of Object.entries(v)) stack.push(k, child);
  }
  return texts.some(unstorable) || bodyDepth + depthOf(value) > MAX_DEPTH;
}

/**
 * Where two JSON values differ (undefined when they do not), numbers allowed to differ in their
 * 17th significant digit. Found by this test: Prisma 6.19 writes a JSON number of 17 significant
 * digits rounded to 16 (-1.4054689123098412e+24 is stored as -1405468912309841000000000), a
 * fidelity limit of the client, not of PostgreSQL or the API. Text and structure compare exactly.
 */
function difference(actual: unknown, expected: unknown, path = '$'): string | undefined {
  if (typeof actual === 'number' && typeof expected === 'number') {
    return actual === expected || Math.abs(actual - expected) <= 1e-15 * Math.abs(expected)
      ? undefined
      : `${path}: ${actual} ≠ ${expected}`;
  }
  if (actual && expected && typeof actual === 'object' && typeof expected === 'object') {
    const a = Object.entries(actual);
    const e = Object.entries(expected);
    if (Array.isArray(actual) !== Array.isArray(expected) || a.length !== e.length) return `${path}: other shape`;
    for (const [key, value] of e) {
      const found = difference((actual as Record<string, unknown>)[key], value, `${path}.${key}`);
      if (found) return found;
    }
    return undefined;
  }
  return Object.is(actual, expected) ? undefined : `${path}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(expected)}`;
}

/** Percent-encodes the UTF-8 bytes of a value (a lone surrogate arrives as U+FFFD, as from any client). */
const encode = (text: string): string => [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

describe('fuzzed hostile input', () => {
  let inst: Instance;
  let admin: TestUser;
  let member: TestUser;
  const seen: Record<string, number> = {};
  beforeAll(async () => {
    inst = await startInstance();
    await truncateAll(inst.db);
    admin = await createUser(inst.db, { role: 'ADMIN' });
    member = await createUser(inst.db);
  });
  afterAll(async () => {
    process.stdout.write(`hostile-input fuzz: ${BODY_RUNS + QUERY_RUNS + CURSOR_RUNS} cases, statuses ${JSON.stringify(seen)}\n`);
    await inst.close();
  });

  const count = (r: Reply): void => void (seen[r.status] = (seen[r.status] ?? 0) + 1);
  const rows = async (): Promise<number> => {
    const {
      rows: [row],
    } = await inst.db.pool.query<{ n: number }>(
      `SELECT ((SELECT count(*) FROM "User") + (SELECT count(*) FROM "ApiKey") + (SELECT count(*) FROM "Session")
             + (SELECT count(*) FROM "Recording") + (SELECT count(*) FROM "Algo"))::int AS n`,
    );
    return row?.n as number;
  };
  const tokenOf = (as: Target['as']): string | undefined => (as === 'admin' ? admin.token : as === 'member' ? member.token : undefined);

  it(`POST bodies: ${BODY_RUNS} cases of hostile text, JSON and dates in every field`, async () => {
    const valueFor = (kind: Kind): fc.Arbitrary<unknown> => (kind === 'text' ? hostileText : kind === 'json' ? hostileJson : edgeDate);
    const body = fc.constantFrom(...TARGETS).chain((target) =>
      fc.record({
        target: fc.constant(target),
        field: fc.constantFrom(...target.fields).chain(([name, kind]) => fc.tuple(fc.constant(name), fc.constant(kind), valueFor(kind))),
        bulk: target.bulk ? fc.boolean() : fc.constant(false),
      }),
    );
    await fc.assert(
      fc.asyncProperty(body, async ({ target, field: [name, kind, value], bulk }) => {
        const item = { ...target.base(), [name]: value };
        const before = await rows();
        const sent = toJson(bulk ? [item] : item);
        const res = await call(inst.base, 'POST', target.path, tokenOf(target.as), new RawJson(sent));
        count(res);
        expect(res.status).toBeLessThan(500);
        const at = `body${bulk ? '.0' : ''}.${name}`;
        if (Buffer.byteLength(sent) > BODY_LIMIT) expect(res.status).toBe(413);
        else if (mustRefuse(kind, value, bulk ? 2 : 1)) {
          expect(res.status).toBe(400);
          const paths = ((res.body as { errors?: Array<{ path: string }> }).errors ?? []).map((e) => e.path);
          expect(paths.some((p) => p === at || p.startsWith(`${at}.`))).toBe(true);
        }
        if (res.status >= 400 && target.path !== '/api/v1/auth/login') expect(await rows()).toBe(before);
        if (res.status === 201 && (kind === 'json' || target.verbatim?.includes(name))) {
          const created = (bulk ? (res.body as { data: unknown[] }).data[0] : res.body) as Record<string, unknown>;
          expect(difference(created[name], value)).toBeUndefined();
        }
      }),
      { numRuns: BODY_RUNS },
    );
  }, 240_000);

  it(`GET filters: ${QUERY_RUNS} cases of hostile text and edge dates`, async () => {
    const text = fc.tuple(
      fc.constantFrom(
        '/api/v1/sessions?title',
        '/api/v1/sessions?device[contains]',
        '/api/v1/recordings?sha256[startsWith]',
        '/api/v1/event-log?action[icontains]',
        '/api/v1/algos?name[in]',
      ),
      hostileText.map((s) => s.slice(0, 1000)),
    );
    const date = fc.tuple(
      fc.constantFrom('/api/v1/sessions?startedAt[gte]', '/api/v1/recordings?recordedAt[lt]', '/api/v1/event-log?occurredAt'),
      edgeDate,
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          text.map((t) => [...t, 'text'] as const),
          date.map((d) => [...d, 'date'] as const),
        ),
        async ([param, value, kind]) => {
          const res = await call(inst.base, 'GET', `${param}=${encode(value)}`, member.token);
          count(res);
          expect(res.status).toBeLessThan(500);
          const decoded = Buffer.from(value, 'utf8').toString('utf8'); // what the server sees
          const refused = kind === 'text' ? decoded.includes('\u0000') : !inStorableRange(value);
          if (refused) {
            expect(res.status).toBe(400);
            expect((res.body as { errors: Array<{ path: string }> }).errors.map((e) => e.path)).toContain(`query.${param.split('?')[1]}`);
          } else if (kind === 'date') expect(res.status).toBe(200);
        },
      ),
      { numRuns: QUERY_RUNS },
    );
  }, 240_000);

  it(`cursors: ${CURSOR_RUNS} forged cursors with edge dates and hostile text`, async () => {
    const forged = fc.oneof(
      edgeDate.map((d) => ['startedAt', d, !inStorableRange(d)] as const),
      hostileText.map((s) => ['title', s.slice(0, 500), unstorable(s.slice(0, 500))] as const),
    );
    await fc.assert(
      fc.asyncProperty(forged, async ([sort, value, refused]) => {
        const cursor = Buffer.from(JSON.stringify({ s: sort, v: [value, '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b'] })).toString('base64url');
        const res = await call(inst.base, 'GET', `/api/v1/sessions?sort=${sort}&cursor=${cursor}`, member.token);
        count(res);
        expect(res.status).toBeLessThan(500);
        if (refused) expect(res.status).toBe(400);
      }),
      { numRuns: CURSOR_RUNS },
    );
  }, 120_000);
});
