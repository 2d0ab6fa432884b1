/**
 * include= embeds a related row with the visibility of its own resource: a member sees another
 * user only as its public fields (id, name), never its e-mail, role or account dates.
 */
import request from 'supertest';
import { startTestApp, truncateAll, type TestApp } from '../../support/app';
import { authHeader, createUser, type TestUser } from '../../support/factories';

describe('embedded rows obey their own visibility', () => {
  let t: TestApp;
  let admin: TestUser;
  let ada: TestUser;
  let adminAlgo: string;
  let adaAlgo: string;
  beforeAll(async () => {
    t = startTestApp();
    await truncateAll(t.db);
    admin = await createUser(t.db, { role: 'ADMIN', name: 'Avery Admin' });
    ada = await createUser(t.db, { name: 'Ada' });
    const post = (user: TestUser, name: string) =>
      request(t.app).post('/api/v1/algos').set(authHeader(user.token)).send({ name, version: '1.0.0' }).expect(201);
    adminAlgo = (await post(admin, 'admins-algo')).body.id;
    adaAlgo = (await post(ada, 'adas-algo')).body.id;
    const session = await request(t.app)
      .post('/api/v1/sessions')
      .set(authHeader(ada.token))
      .send({ title: 'night', startedAt: '2026-11-26T08:00:00Z' })
      .expect(201);
    await request(t.app)
      .post('/api/v1/recordings')
      .set(authHeader(ada.token))
      .send({ sessionId: session.body.id, name: 'eeg.edf', modality: 'EEG', format: 'application/x-edf' })
      .expect(201);
  });
  afterAll(() => t.close());

  const get = (user: TestUser, path: string) => request(t.app).get(`/api/v1/${path}`).set(authHeader(user.token));
  const fullUser = (u: TestUser) => ({
    id: u.user.id,
    email: u.user.email,
    name: u.user.name,
    role: u.user.role,
    disabledAt: null,
    createdAt: u.user.createdAt.toISOString(),
    updatedAt: u.user.updatedAt.toISOString(),
  });

  it('when a member lists algos with include=owner, then another user shows only id and name, itself in full', async () => {
    const res = await get(ada, 'algos?include=owner&sort=name');
    expect(res.status).toBe(200);
    const owners = Object.fromEntries((res.body.data as Array<{ id: string; owner: unknown }>).map((a) => [a.id, a.owner]));
    expect(owners[adminAlgo]).toEqual({ id: admin.user.id, name: 'Avery Admin' });
    expect(owners[adaAlgo]).toEqual(fullUser(ada));
    expect(res.text).not.toContain(admin.user.email);
    expect(res.text).not.toContain('"ADMIN"');
  });

  it('when a member reads one algo with include=owner, then the same rule holds', async () => {
    const res = await get(ada, `algos/${adminAlgo}?include=owner`);
    expect(res.status).toBe(200);
    expect(res.body.owner).toEqual({ id: admin.user.id, name: 'Avery Admin' });
  });

  it('when an admin embeds users, then it sees them in full', async () => {
    const res = await get(admin, `algos/${adaAlgo}?include=owner`);
    expect(res.body.owner).toEqual(fullUser(ada));
    const list = await get(admin, 'recordings?include=user,session');
    expect(list.body.data[0].user).toEqual(fullUser(ada));
    expect(list.body.data[0].session).toMatchObject({ title: 'night', userId: ada.user.id });
  });

  it('when a member embeds its own user and session on its recordings and sessions, then it sees them in full', async () => {
    const recordings = await get(ada, 'recordings?include=user,session');
    expect(recordings.body.data[0].user).toEqual(fullUser(ada));
    expect(recordings.body.data[0].session).toMatchObject({ title: 'night' });
    const sessions = await get(ada, 'sessions?include=user');
    expect(sessions.body.data[0].user).toEqual(fullUser(ada));
  });

  it('when a member asks only for some fields, then embedding keeps the same rule', async () => {
    const res = await get(ada, 'algos?include=owner&fields=name');
    const admins = (res.body.data as Array<{ name: string; owner: unknown }>).find((a) => a.name === 'admins-algo');
    expect(admins?.owner).toEqual({ id: admin.user.id, name: 'Avery Admin' });
  });
});
