/**
 * Fuzzed input (fast-check): random methods, paths and path ids, query strings, headers
 * (content-type, if-match, idempotency-key, authorization) and bodies to every route, with
 * values from hostile-input.ts among them (NUL, lone surrogates, astral characters, long text,
 * deep JSON, edge dates). Never a 500, never a crash, and a rejected request (4xx) writes nothing.
 * RUNS cases per run (fixed; fuzz-input.test.ts checks those classes field by field).
 */
import fc from 'fast-check';
import { truncateAll } from '../support/app';
import { createUser, type TestUser } from '../support/factories';
import { call, startInstance, type Instance } from './support';
import { edgeDate, hostileJson, hostileText, toJson } from './hostile-input';
import { descriptors } from '../../src/resources/registry';

export const RUNS = 400;

/** Every registered resource, and the API keys (auth's own routes). */
const RESOURCES = [...descriptors.map((d) => d.name), 'api-keys'];
const FIELDS = [
  'title',
  'name',
  'startedAt',
  'endedAt',
  'sessionId',
  'modality',
  'format',
  'sizeBytes',
  'metadata',
  'email',
  'role',
  'password',
  'version',
  'status',
  'id',
  'userId',
  'limit',
];
const PARAMS = [
  'limit',
  'cursor',
  'sort',
  'fields',
  'include',
  'count',
  'name',
  'name[contains]',
  'createdAt[gt]',
  'sizeBytes[in]',
  'status[ne]',
  'id[isNull]',
  'cascade',
  'all',
];

/** Percent-encoded UTF-8 bytes (a lone surrogate travels as U+FFFD, as from any client). */
const utf8Escaped = (text: string): string => [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

const printable = (max: number): fc.Arbitrary<string> => fc.string({ maxLength: max }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));

interface Fuzzed {
  method: string;
  path: string;
  query: Array<[string, string]>;
  headers: Record<string, string>;
  body: string | undefined;
  who: 'admin' | 'member' | 'garbage' | 'none';
}

function arbitraryRequest(ids: () => string[]): fc.Arbitrary<Fuzzed> {
  const id = fc.oneof(fc.constantFrom(...ids()), fc.uuid(), printable(40), fc.constantFrom('0', '-1', '1e999', '%00', '..', 'null'));
  const path = fc.oneof(
    fc.tuple(fc.constantFrom(...RESOURCES)).map(([r]) => `/api/v1/${r}`),
    fc.tuple(fc.constantFrom(...RESOURCES), id).map(([r, i]) => `/api/v1/${r}/${encodeURIComponent(i)}`),
    id.map((i) => `/api/v1/sessions/${encodeURIComponent(i)}/recordings`),
    fc.constantFrom('/api/v1/auth/login', '/api/v1/auth/logout', '/api/v1/auth/me', '/api/v1/auth/password'),
  );
  const value = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom('', null, -1, 1e308, '2026-13-45', '9'.repeat(30), 'EEG'),
    hostileText,
    hostileJson,
    edgeDate,
  );
  const body = fc.oneof(
    fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 6 }).map(toJson),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    fc.array(fc.dictionary(fc.constantFrom(...FIELDS), value, { maxKeys: 4 }), { maxLength: 3 }).map(toJson),
    printable(60),
    fc.constant(undefined),
  );
  const headers = fc.record(
    {
      'content-type': fc.oneof(
        fc.constantFrom(
          'application/json',
          'text/plain',
          'application/json; charset=latin1',
          'application/x-www-form-urlencoded',
          'application/merge-patch+json',
        ),
        printable(30),
      ),
      'if-match': fc.oneof(fc.constantFrom('*', '"abc"', 'W/"x"', ''), printable(40)),
      'idempotency-key': fc.oneof(fc.uuid(), printable(300)),
      'x-request-id': printable(140),
    },
    { requiredKeys: [] },
  );
  return fc.record({
    method: fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE', 'PUT', 'HEAD'),
    path,
    query: fc.array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...PARAMS), printable(12)),
        fc.oneof(
          printable(30),
          hostileText.map((t) => t.slice(0, 300)),
          edgeDate,
        ),
      ),
      { maxLength: 4 },
    ),
    headers,
    body,
    who: fc.constantFrom('admin', 'member', 'garbage', 'none'),
  });
}

describe('fuzzed requests to every route', () => {
  let inst: Instance;
  let admin: TestUser;
  let member: TestUser;
  const ids: string[] = [];
  const crashes: unknown[] = [];
  const onCrash = (err: unknown): number => crashes.push(err);

  beforeAll(async () => {
    inst = await startInstance();
    await truncateAll(inst.db);
    admin = await createUser(inst.db, { role: 'ADMIN' });
    member = await createUser(inst.db);
    const s = await call(inst.base, 'POST', '/api/v1/sessions', member.token, { title: 'fuzz', startedAt: '2026-11-26T08:00:00Z' });
    const r = await call(inst.base, 'POST', '/api/v1/recordings', member.token, {
      sessionId: (s.body as { id: string }).id,
      name: 'fuzz',
      modality: 'EEG',
      format: 'audio/wav',
    });
    ids.push((s.body as { id: string }).id, (r.body as { id: string }).id, admin.user.id, member.user.id, admin.key.id);
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
  });
  afterAll(async () => {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    await inst.close();
  });

  /** Rows a request could write (login attempts and failed-login events are writes by design). */
  const rowCount = async (): Promise<number> => {
    const { rows } = await inst.db.pool.query<{ n: number }>(
      `SELECT ((SELECT count(*) FROM "User") + (SELECT count(*) FROM "ApiKey") + (SELECT count(*) FROM "Session") + (SELECT count(*) FROM "Recording")
        + (SELECT count(*) FROM "Algo") + (SELECT count(*) FROM "IdempotencyKey") + (SELECT count(*) FROM "EventLog" WHERE action <> 'user.login_failed'))::int AS n`,
    );
    return rows[0]?.n as number;
  };

  it('then no response is a 500, nothing crashes, and no rejected request writes a row', async () => {
    const token = { admin: admin.token, member: member.token, garbage: 'bk_api_' + 'x'.repeat(43), none: undefined };
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        arbitraryRequest(() => ids),
        async (req) => {
          const before = await rowCount();
          const query = req.query.map(([k, v]) => `${encodeURIComponent(k)}=${utf8Escaped(v)}`).join('&');
          const tok = token[req.who];
          const res = await fetch(`${inst.base}${req.path}${query ? `?${query}` : ''}`, {
            method: req.method,
            headers: { ...req.headers, ...(tok ? { authorization: `Bearer ${tok}` } : {}) },
            body: req.method === 'GET' || req.method === 'HEAD' ? undefined : req.body,
            signal: AbortSignal.timeout(10_000),
          });
          await res.arrayBuffer();
          seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
          if (res.status >= 500) throw new Error(`${res.status} for ${req.method} ${req.path}`);
          if (res.status >= 400) expect(await rowCount()).toBe(before);
          if (res.status >= 400 && req.method !== 'HEAD') expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        },
      ),
      { numRuns: RUNS },
    );
    expect(crashes).toEqual([]);
    // The runs reached past validation: some requests succeeded, and several kinds of 4xx came back.
    expect([...seen.keys()].filter((s) => s < 300).length).toBeGreaterThan(0);
    expect([...seen.keys()].filter((s) => s >= 400).length).toBeGreaterThan(3);
  }, 180_000);
});
