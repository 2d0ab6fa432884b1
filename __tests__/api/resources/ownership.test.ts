import request from 'supertest';
import { startTestApp, truncateAll, type TestApp } from '../../support/app';
import { authHeader, createUser, type TestUser } from '../../support/factories';
import { createRow, updateBody } from '../../support/resource-bodies';
import { descriptors } from '../../../src/resources/registry';

/** OWASP API1 (BOLA) and API3 (property-level authorization) on the resources. */
describe('ownership: members see and change only their own rows', () => {
  let t: TestApp;
  let ada: TestUser;
  let bob: TestUser;
  let admin: TestUser;
  let adaSession: { id: string; title: string };
  beforeAll(async () => {
    t = startTestApp();
    await truncateAll(t.db);
    [ada, bob, admin] = [await createUser(t.db), await createUser(t.db), await createUser(t.db, { role: 'ADMIN' })];
    adaSession = (
      await request(t.app)
        .post('/api/v1/sessions')
        .set(authHeader(ada.token))
        .send({ title: 'Ada only', startedAt: '2026-11-01T00:00:00Z' })
    ).body;
  });
  afterAll(() => t.close());

  // Every resource a member writes through the generic routes, its rows made from generated
  // bodies (support/resource-bodies.ts); read-only ones (runs, the event log) have tests of their own.
  const writable = descriptors.filter((d) => !d.readOnly);
  it.each(writable.map((d) => [d.name, d] as const))(
    'member B cannot read (unless shared), change or delete member A’s %s, and the row is unchanged',
    async (_name, d) => {
      // A's row: A itself for users; one A creates (an admin, where only admins create) otherwise.
      const creator = d.adminOnlyCreate ? admin : ada;
      const id = d.ownership === 'self' ? ada.user.id : (await createRow(t.app, creator.token, d)).id;
      const url = `/api/v1/${d.name}/${String(id)}`;
      const shared = d.ownership === 'sharedRead';
      const before = await request(t.app).get(url).set(authHeader(ada.token));
      expect(before.status).toBe(200);
      expect((await request(t.app).get(url).set(authHeader(bob.token))).status).toBe(shared ? 200 : 404);
      // Another owner's row is a 404 where B cannot see it, a 403 where it can (shared) or the route is admin-only.
      const patched = await request(t.app).patch(url).set(authHeader(bob.token)).send(updateBody(d));
      expect(patched.status).toBe(shared ? 403 : 404);
      const deleted = await request(t.app).delete(url).set(authHeader(bob.token));
      expect(deleted.status).toBe(shared || d.adminOnlyDelete ? 403 : 404);
      const after = await request(t.app).get(url).set(authHeader(ada.token));
      expect(after.body).toEqual(before.body);
    },
  );

  it('lists never show another member’s rows; an admin sees all', async () => {
    await request(t.app).post('/api/v1/sessions').set(authHeader(bob.token)).send({ title: 'Bob', startedAt: '2026-11-01T00:00:00Z' });
    const bobs = await request(t.app).get('/api/v1/sessions').set(authHeader(bob.token));
    expect(bobs.body.data.map((s: { title: string }) => s.title)).toEqual(['Bob']);
    const all = await request(t.app).get('/api/v1/sessions?count=true').set(authHeader(admin.token));
    expect(all.body.page.total).toBe(await t.db.prisma.session.count());
    expect(await t.db.prisma.session.count({ where: { userId: ada.user.id } })).toBeGreaterThan(0);
    const filtered = await request(t.app).get(`/api/v1/sessions?userId=${ada.user.id}`).set(authHeader(bob.token));
    expect(filtered.body.data).toEqual([]);
  });

  it('a member cannot set role, email, disabled or password on its own user, nor passwordHash anywhere', async () => {
    for (const body of [
      { role: 'ADMIN' },
      { email: 'new@example.com' },
      { disabled: true },
      { password: 'a very long password' },
      { passwordHash: 'x' },
    ]) {
      const res = await request(t.app).patch(`/api/v1/users/${ada.user.id}`).set(authHeader(ada.token)).send(body);
      expect(res.status).toBe(400);
    }
    const me = await t.db.prisma.user.findUnique({ where: { id: ada.user.id } });
    expect(me?.role).toBe('MEMBER');
    const ok = await request(t.app).patch(`/api/v1/users/${ada.user.id}`).set(authHeader(ada.token)).send({ name: 'Ada L.' });
    expect(ok.status).toBe(200);
    expect(ok.body.passwordHash).toBeUndefined();
  });

  it('a member cannot create or delete users (403); an admin can, and passwords are never returned', async () => {
    const body = { email: 'New.Person@Example.com', name: 'New Person', password: 'correct horse battery' };
    expect((await request(t.app).post('/api/v1/users').set(authHeader(ada.token)).send(body)).status).toBe(403);
    const created = await request(t.app).post('/api/v1/users').set(authHeader(admin.token)).send(body);
    expect(created.status).toBe(201);
    expect(created.body.email).toBe('new.person@example.com');
    expect(JSON.stringify(created.body)).not.toMatch(/password/i);
    const dup = await request(t.app).post('/api/v1/users').set(authHeader(admin.token)).send(body);
    expect(dup.status).toBe(409);
    const event = await t.db.prisma.eventLog.findFirst({ where: { entityId: created.body.id, action: 'user.created' } });
    expect(JSON.stringify(event?.changes)).not.toMatch(/scrypt/);
    expect((await request(t.app).delete(`/api/v1/users/${created.body.id}`).set(authHeader(ada.token))).status).toBe(403);
    expect((await request(t.app).delete(`/api/v1/users/${created.body.id}`).set(authHeader(admin.token))).status).toBe(204);
  });

  it('algos: everyone reads all; only the owner or an admin changes one; (name, version) is unique', async () => {
    const algo = { name: 'hrv-summary', version: '1.0.0', parameters: { type: 'object' } };
    const created = await request(t.app).post('/api/v1/algos').set(authHeader(ada.token)).send(algo);
    expect(created.status).toBe(201);
    expect(created.body.ownerId).toBe(ada.user.id);
    expect((await request(t.app).get(`/api/v1/algos/${created.body.id}`).set(authHeader(bob.token))).status).toBe(200);
    expect(
      (await request(t.app).patch(`/api/v1/algos/${created.body.id}`).set(authHeader(bob.token)).send({ status: 'PUBLISHED' })).status,
    ).toBe(403);
    expect((await request(t.app).delete(`/api/v1/algos/${created.body.id}`).set(authHeader(bob.token))).status).toBe(403);
    expect(
      (await request(t.app).patch(`/api/v1/algos/${created.body.id}`).set(authHeader(admin.token)).send({ status: 'PUBLISHED' })).status,
    ).toBe(200);
    expect((await request(t.app).post('/api/v1/algos').set(authHeader(bob.token)).send(algo)).status).toBe(409);
    expect(
      (
        await request(t.app)
          .post('/api/v1/algos')
          .set(authHeader(bob.token))
          .send({ ...algo, version: 'one' })
      ).status,
    ).toBe(400);
  });

  it('the event log is read only (405) and shows a member only its own actions', async () => {
    expect((await request(t.app).post('/api/v1/event-log').set(authHeader(admin.token)).send({})).status).toBe(405);
    const mine = await request(t.app).get('/api/v1/event-log?limit=1000').set(authHeader(bob.token));
    expect(mine.status).toBe(200);
    expect(mine.body.data.every((e: { actorId: string }) => e.actorId === bob.user.id)).toBe(true);
    const ids = mine.body.data.map((e: { id: string }) => e.id);
    expect(ids.every((id: unknown) => typeof id === 'string' && /^\d+$/.test(id))).toBe(true);
    const ofAda = await request(t.app).get(`/api/v1/event-log?entityType=session&entityId=${adaSession.id}`).set(authHeader(admin.token));
    expect(ofAda.body.data.map((e: { action: string }) => e.action)).toContain('session.created');
    const one = await request(t.app).get(`/api/v1/event-log/${ofAda.body.data[0].id}`).set(authHeader(admin.token));
    expect(one.status).toBe(200);
    expect((await request(t.app).delete(`/api/v1/event-log/${ofAda.body.data[0].id}`).set(authHeader(admin.token))).status).toBe(405);
    const hidden = await request(t.app).get(`/api/v1/event-log/${ofAda.body.data[0].id}`).set(authHeader(bob.token));
    expect(hidden.status).toBe(404);
    expect(hidden.body.detail).toBe(`No event with id ${ofAda.body.data[0].id}`);
    // hidden columns are not selectable either
    expect((await request(t.app).get('/api/v1/users?fields=passwordHash').set(authHeader(admin.token))).status).toBe(400);
    expect((await request(t.app).get('/api/v1/users?fields=metadata').set(authHeader(admin.token))).status).toBe(400);
  });
});
