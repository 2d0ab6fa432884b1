import request from 'supertest';
import fc from 'fast-check';
import { startTestApp, truncateAll, type TestApp } from '../../support/app';
import { authHeader, createUser, type TestUser } from '../../support/factories';

type Rec = {
  id: string;
  name: string;
  status: string;
  durationMs: number | null;
  sizeBytes: string | null;
  recordedAt: string | null;
  createdAt: string;
};

describe('listing: filters, sort, fields, include, count, keyset pagination', () => {
  let t: TestApp;
  let ada: TestUser;
  let bob: TestUser;
  const statuses = ['PENDING', 'READY', 'FAILED', 'ARCHIVED'];
  beforeAll(async () => {
    t = startTestApp();
    await truncateAll(t.db);
    ada = await createUser(t.db);
    bob = await createUser(t.db);
    const items = Array.from({ length: 40 }, (_, i) => ({
      name: `${i % 2 ? 'Night' : 'day'}-${String(i).padStart(2, '0')}.edf`,
      modality: i % 3 ? 'EEG' : 'ECG',
      status: statuses[i % 4],
      format: 'application/x-edf',
      durationMs: i % 5 === 0 ? null : i * 1000,
      sizeBytes: i % 7 === 0 ? null : String(i * 1_000_000_000),
      recordedAt: i % 6 === 0 ? null : new Date(Date.UTC(2026, 10, 1 + (i % 10))).toISOString(),
    }));
    await request(t.app).post('/api/v1/recordings').set(authHeader(ada.token)).send(items).expect(201);
    await request(t.app)
      .post('/api/v1/recordings')
      .set(authHeader(bob.token))
      .send([{ name: 'bob.wav', modality: 'AUDIO', format: 'audio/wav' }])
      .expect(201);
  });
  afterAll(() => t.close());

  const list = (query: string, user = ada) => request(t.app).get(`/api/v1/recordings?${query}`).set(authHeader(user.token));
  const names = (res: { body: { data: Rec[] } }) => res.body.data.map((r) => r.name);

  it('a member lists only its own rows, 50 by default, with page metadata', async () => {
    const res = await list('');
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(40);
    expect(res.body.page).toEqual({ limit: 50, nextCursor: null });
    expect(names(res)).not.toContain('bob.wav');
  });

  it.each([
    ['status=READY', (r: Rec) => r.status === 'READY'],
    ['status[eq]=READY', (r: Rec) => r.status === 'READY'],
    ['status[ne]=READY', (r: Rec) => r.status !== 'READY'],
    ['status[in]=READY,FAILED', (r: Rec) => ['READY', 'FAILED'].includes(r.status)],
    ['status[nin]=READY,FAILED', (r: Rec) => !['READY', 'FAILED'].includes(r.status)],
    ['durationMs[gt]=20000', (r: Rec) => r.durationMs !== null && r.durationMs > 20000],
    ['durationMs[gte]=20000', (r: Rec) => r.durationMs !== null && r.durationMs >= 20000],
    ['durationMs[lt]=20000', (r: Rec) => r.durationMs !== null && r.durationMs < 20000],
    ['durationMs[lte]=20000', (r: Rec) => r.durationMs !== null && r.durationMs <= 20000],
    ['durationMs[isNull]=true', (r: Rec) => r.durationMs === null],
    ['durationMs[isNull]=false', (r: Rec) => r.durationMs !== null],
    ['sizeBytes[gte]=30000000000', (r: Rec) => r.sizeBytes !== null && BigInt(r.sizeBytes) >= 30000000000n],
    ['recordedAt[lt]=2026-11-03T00:00:00Z', (r: Rec) => r.recordedAt !== null && r.recordedAt < '2026-11-03'],
    ['name[contains]=ight', (r: Rec) => r.name.includes('ight')],
    ['name[icontains]=NIGHT', (r: Rec) => r.name.toLowerCase().includes('night')],
    ['name[startsWith]=day', (r: Rec) => r.name.startsWith('day')],
    ['status=READY&durationMs[gt]=10000', (r: Rec) => r.status === 'READY' && r.durationMs !== null && r.durationMs > 10000],
  ])('filter %s returns exactly the matching rows', async (query, predicate) => {
    const all: Rec[] = (await list('limit=1000')).body.data;
    const res = await list(`${query}&limit=1000`);
    expect(res.status).toBe(200);
    const expected = all
      .filter(predicate)
      .map((r) => r.id)
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    expect(res.body.data.map((r: Rec) => r.id).sort()).toEqual(expected);
  });

  it('sorts by a field both ways, nulls last, id as the final tie-breaker', async () => {
    const asc: Rec[] = (await list('sort=durationMs&limit=1000')).body.data;
    const desc: Rec[] = (await list('sort=-durationMs&limit=1000')).body.data;
    const values = (rows: Rec[]) => rows.filter((r) => r.durationMs !== null).map((r) => r.durationMs as number);
    expect(values(asc)).toEqual([...values(asc)].sort((a, b) => a - b));
    expect(values(desc)).toEqual([...values(desc)].sort((a, b) => b - a));
    expect(asc.slice(-8).every((r) => r.durationMs === null)).toBe(true);
    expect(desc.slice(-8).every((r) => r.durationMs === null)).toBe(true);
    const multi: Rec[] = (await list('sort=status,-name&limit=1000')).body.data;
    // enums sort in their declared order (PENDING, READY, FAILED, ARCHIVED)
    const rank = (r: Rec) => statuses.indexOf(r.status);
    const sorted = [...multi].sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    expect(multi.map((r) => r.id)).toEqual(sorted.map((r) => r.id));
  });

  it('fields returns only the named fields plus id; count adds the exact total', async () => {
    const res = await list('fields=name,status&count=true&status=READY&limit=3');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.data[0]).sort()).toEqual(['id', 'name', 'status']);
    expect(res.body.page.total).toBe(10);
    const json = await list('fields=metadata&limit=1');
    expect(Object.keys(json.body.data[0]).sort()).toEqual(['id', 'metadata']);
    expect(res.body.data).toHaveLength(3);
  });

  it.each([
    ['colour=red', 'query.colour'],
    ['status[like]=x', 'query.status[like]'],
    ['status=SLEEPING', 'query.status'],
    ['durationMs[gt]=soon', 'query.durationMs[gt]'],
    ['recordedAt[gt]=yesterday', 'query.recordedAt[gt]'],
    ['modality[gt]=EEG', 'query.modality[gt]'],
    ['name[isNull]=true', 'query.name[isNull]'],
    ['sort=format', 'query.sort'],
    ['limit=0', 'query.limit'],
    ['limit=1001', 'query.limit'],
    ['fields=password', 'query.fields'],
    ['fields=changes', 'query.fields'], // a JSON column of another model (the event log's)
    ['fields=parameters', 'query.fields'],
    ['include=owner', 'query.include'],
    ['count=maybe', 'query.count'],
    ['cursor=garbage', 'query.cursor'],
    ['status=READY&status=FAILED', 'query.status'],
  ])('%s is a 400 naming %s', async (query, path) => {
    const res = await list(query);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/problem\+json/);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('a cursor from one sort is refused for another', async () => {
    const first = await list('sort=name&limit=5');
    const res = await list(`sort=-name&limit=5&cursor=${first.body.page.nextCursor}`);
    expect(res.status).toBe(400);
    expect(res.body.errors[0].path).toBe('query.cursor');
  });

  it.each(['createdAt', '-durationMs', 'status,name', '-recordedAt,-name', 'sizeBytes'])(
    'paging with sort=%s while rows are inserted returns every original row exactly once',
    async (sort) => {
      const original: string[] = (await list(`sort=${sort}&limit=1000`)).body.data.map((r: Rec) => r.id);
      const seen: string[] = [];
      let url = `/api/v1/recordings?sort=${sort}&limit=7`;
      for (let page = 0; page < 50 && url; page++) {
        const res = await request(t.app).get(url).set(authHeader(ada.token));
        expect(res.status).toBe(200);
        seen.push(...res.body.data.map((r: Rec) => r.id));
        // concurrent writers: new rows land anywhere in the order
        await request(t.app)
          .post('/api/v1/recordings')
          .set(authHeader(ada.token))
          .send({ name: `zz-new-${sort}-${page}`, modality: 'EEG', format: 'text/csv', durationMs: page * 777 });
        const link = res.headers.link as string | undefined;
        expect(Boolean(link)).toBe(res.body.page.nextCursor !== null);
        url = link ? (/<([^>]+)>; rel="next"/.exec(link)?.[1] as string) : '';
      }
      expect(new Set(seen).size).toBe(seen.length); // no row twice
      expect(original.filter((id) => !seen.includes(id))).toEqual([]); // no original row skipped
    },
  );

  it.each([
    ['toString=1970-01-01T00:00:00.000Z', 'query.toString'],
    ['constructor[eq]=x', 'query.constructor[eq]'],
    ['sort=hasOwnProperty', 'query.sort'],
    ['include=__proto__', 'query.include'],
  ])('when a parameter names a property every object has (%s), then it is a 400, not a 500', async (qs, path) => {
    const res = await list(qs);
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('random query strings never produce a 500', async () => {
    const key = fc.oneof(
      fc.constantFrom(
        'name',
        'status',
        'durationMs',
        'sizeBytes',
        'recordedAt',
        'sessionId',
        'id',
        'limit',
        'sort',
        'fields',
        'include',
        'count',
        'cursor',
        'metadata',
      ),
      fc.string({ maxLength: 12 }),
    );
    const op = fc.constantFrom(
      '',
      '[eq]',
      '[ne]',
      '[gt]',
      '[lte]',
      '[in]',
      '[nin]',
      '[contains]',
      '[icontains]',
      '[startsWith]',
      '[isNull]',
      '[x]',
      '[',
    );
    const value = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.integer().map(String),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.constantFrom('true', 'null', '-name', 'READY,FAILED', '', 'metadata', 'changes,parameters', 'passwordHash'),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, op, value), { maxLength: 4 }), async (params) => {
        const qs = params.map(([k, o, v]) => `${encodeURIComponent(k + o)}=${encodeURIComponent(v)}`).join('&');
        const res = await list(qs);
        expect(res.status).toBeLessThan(500);
        expect([200, 400]).toContain(res.status);
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});
