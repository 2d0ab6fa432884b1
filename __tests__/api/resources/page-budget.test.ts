/**
 * A listing page is bounded in bytes as well as rows: once its JSON reaches the budget it ends
 * early with a cursor, so paging still returns every row exactly once.
 */
import request from 'supertest';
import { PAGE_BUDGET_BYTES } from '../../../src/resources/paging';
import { startTestApp, truncateAll, type TestApp } from '../../support/app';
import { authHeader, createUser, type TestUser } from '../../support/factories';

const ROWS = 80;
const BLOB = 'm'.repeat(60 * 1024); // each session's metadata: about 60 KiB, within the 64 KiB limit

describe('the byte budget of a listing page', () => {
  let t: TestApp;
  let ada: TestUser;
  let ids: string[];
  beforeAll(async () => {
    t = startTestApp();
    await truncateAll(t.db);
    ada = await createUser(t.db);
    const rows = Array.from({ length: ROWS }, (_, i) => ({
      userId: ada.user.id,
      title: `s-${String(i).padStart(3, '0')}`,
      startedAt: new Date(Date.UTC(2026, 0, 1, 0, i)),
      metadata: { blob: BLOB },
    }));
    ids = (await t.db.prisma.session.createManyAndReturn({ data: rows, select: { id: true } })).map((r) => r.id);
  });
  afterAll(() => t.close());

  const list = (query: string) => request(t.app).get(`/api/v1/sessions?${query}`).set(authHeader(ada.token));

  it(`when the rows asked for exceed ${PAGE_BUDGET_BYTES} bytes of JSON, then the page ends early with a cursor, within the budget`, async () => {
    const res = await list('limit=1000&sort=title');
    expect(res.status).toBe(200);
    expect(res.body.data.length).toBeGreaterThan(0);
    expect(res.body.data.length).toBeLessThan(ROWS);
    expect(res.body.page.nextCursor).toEqual(expect.any(String));
    expect(res.headers.link).toMatch(/rel="next"/);
    expect(Buffer.byteLength(res.text)).toBeLessThanOrEqual(PAGE_BUDGET_BYTES + 1024);
  });

  it('when a client follows nextCursor, then it gets every row exactly once, in order', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: request.Response = await list(`limit=1000&sort=title${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...(res.body.data as Array<{ id: string }>).map((s) => s.id));
      cursor = res.body.page.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(seen).toEqual(ids);
    expect(pages).toBeGreaterThan(1);
  });

  it('when only small fields are asked for, then the whole set fits in one page', async () => {
    const res = await list('limit=1000&fields=title');
    expect(res.body.data).toHaveLength(ROWS);
    expect(res.body.page.nextCursor).toBeNull();
  });

  it('when one row alone is larger than the budget (stored before the limits), then it is sent alone and paging goes on', async () => {
    const big = await t.db.prisma.session.create({
      data: { userId: ada.user.id, title: 'a-big', startedAt: new Date(), metadata: { blob: 'b'.repeat(PAGE_BUDGET_BYTES + 10) } },
    });
    try {
      const first = await list('limit=5&sort=title');
      expect(first.body.data.map((s: { id: string }) => s.id)).toEqual([big.id]);
      const next = await list(`limit=5&sort=title&cursor=${first.body.page.nextCursor}`);
      expect(next.body.data.map((s: { id: string }) => s.id)).toEqual(ids.slice(0, 5));
    } finally {
      await t.db.prisma.session.delete({ where: { id: big.id } });
    }
  });

  it('when a limit is reached before the budget, then the page ends at the limit, as before', async () => {
    const res = await list('limit=10&sort=title');
    expect(res.body.data).toHaveLength(10);
    expect(res.body.page.nextCursor).toEqual(expect.any(String));
  });
});
