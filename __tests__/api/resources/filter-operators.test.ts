/**
 * Every field of every registered resource accepts every operator its type allows (field names
 * with digits, such as sha256, included), and the text operators match `%`, `_` and `\` literally.
 */
import request from 'supertest';
import type { FieldSpec } from '../../../src/models/fields';
import { operatorsFor, type Operator } from '../../../src/resources/listing';
import { descriptors } from '../../../src/resources/registry';
import { startTestApp, truncateAll, type TestApp } from '../../support/app';
import { authHeader, createUser, type TestUser } from '../../support/factories';

function sample(spec: FieldSpec): string {
  switch (spec.kind) {
    case 'uuid':
      return '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    case 'string':
      return 'a';
    case 'enum':
      return spec.values?.[0] as string;
    case 'datetime':
      return '2026-11-26T08:00:00Z';
    case 'int':
    case 'bigint':
      return '1';
    case 'float':
      return '1.5';
    case 'boolean':
      return 'true';
  }
}

const valueFor = (op: Operator, spec: FieldSpec): string =>
  op === 'isNull' ? 'true' : op === 'in' || op === 'nin' ? `${sample(spec)},${sample(spec)}` : sample(spec);

const cases = descriptors.flatMap((d) =>
  Object.entries(d.fields)
    .filter(([, spec]) => spec.filterable !== false)
    .flatMap(([field, spec]) => operatorsFor(spec).map((op) => [d.name, `${field}[${op}]`, valueFor(op, spec)] as const)),
);

describe('filter operators', () => {
  let t: TestApp;
  let admin: TestUser;
  beforeAll(async () => {
    t = startTestApp();
    await truncateAll(t.db);
    admin = await createUser(t.db, { role: 'ADMIN' });
  });
  afterAll(() => t.close());

  const list = (path: string, query: string) => request(t.app).get(`/api/v1/${path}?${query}`).set(authHeader(admin.token));

  it('the registry has fields with digits in their names, and they are among the cases', () => {
    expect(cases.map(([r, p]) => `${r} ${p}`)).toEqual(
      expect.arrayContaining(['recordings sha256[isNull]', 'recordings sha256[startsWith]']),
    );
  });

  it.each(cases)('GET /%s?%s=… is answered (200)', async (resource, param, value) => {
    const res = await list(resource, `${encodeURIComponent(param)}=${encodeURIComponent(value)}`);
    expect({ status: res.status, errors: res.body.errors }).toEqual({ status: 200, errors: undefined });
  });

  it('sha256[isNull] tells recordings with a checksum from those without', async () => {
    const sha256 = 'ab'.repeat(32);
    await request(t.app)
      .post('/api/v1/recordings')
      .set(authHeader(admin.token))
      .send([
        { name: 'with.edf', modality: 'EEG', format: 'application/x-edf', sha256 },
        { name: 'without.edf', modality: 'EEG', format: 'application/x-edf' },
      ])
      .expect(201);
    const names = async (query: string) => ((await list('recordings', query)).body.data as Array<{ name: string }>).map((r) => r.name);
    expect(await names('sha256[isNull]=true')).toEqual(['without.edf']);
    expect(await names('sha256[isNull]=false')).toEqual(['with.edf']);
    expect(await names(`sha256=${sha256}`)).toEqual(['with.edf']);
  });
});

describe('text operators match literally', () => {
  let t: TestApp;
  let ada: TestUser;
  const titles = ['100%_done', '100xydone', '100% done', 'a_b', 'axb', 'back\\slash', 'backxslash', 'PERCENT%'];
  beforeAll(async () => {
    t = startTestApp();
    await truncateAll(t.db);
    ada = await createUser(t.db);
    const body = titles.map((title) => ({ title, startedAt: '2026-11-26T08:00:00Z' }));
    await request(t.app).post('/api/v1/sessions').set(authHeader(ada.token)).send(body).expect(201);
  });
  afterAll(() => t.close());

  const titlesFor = async (query: string): Promise<string[]> => {
    const res = await request(t.app).get(`/api/v1/sessions?${query}&sort=title`).set(authHeader(ada.token));
    expect(res.status).toBe(200);
    return (res.body.data as Array<{ title: string }>).map((s) => s.title).sort();
  };

  it.each([
    ['title[contains]=0%25_', ['100%_done']],
    ['title[contains]=_', ['100%_done', 'a_b']],
    ['title[contains]=%25', ['100% done', '100%_done', 'PERCENT%']],
    ['title[startsWith]=100%25', ['100% done', '100%_done']],
    ['title[startsWith]=a_', ['a_b']],
    ['title[contains]=%5C', ['back\\slash']],
    ['title[icontains]=percent%25', ['PERCENT%']],
    ['title[icontains]=%25_D', ['100%_done']],
  ])('%s matches only %j', async (query, expected) => {
    expect(await titlesFor(query)).toEqual([...expected].sort());
  });
});
