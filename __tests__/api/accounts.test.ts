/**
 * Account changes by an admin end what they should: a password set by an admin ends the user's
 * login tokens (API keys stay), disabling and enabling again does not revive old login tokens,
 * the last active admin cannot remove itself, and white-space-only passwords are refused.
 */
import request from 'supertest';
import { ensureAdmin } from '../../src/auth/bootstrap';
import { startTestApp, truncateAll, type TestApp } from '../support/app';
import { authHeader, createUser, login, type TestUser } from '../support/factories';

const PASSWORD = 'correct horse battery';
const NEW_PASSWORD = 'another staple battery';

describe('accounts', () => {
  let t: TestApp;
  let admin: TestUser;
  beforeEach(async () => {
    await truncateAll(t.db);
    admin = await createUser(t.db, { role: 'ADMIN', password: PASSWORD });
  });
  beforeAll(() => {
    t = startTestApp();
  });
  afterAll(() => t.close());

  const me = (token: string) => request(t.app).get('/api/v1/auth/me').set(authHeader(token));
  const patch = (by: string, id: string, body: object) => request(t.app).patch(`/api/v1/users/${id}`).set(authHeader(by)).send(body);
  const statusOf = async (token: string): Promise<number> => (await me(token)).status;

  describe('when an admin sets a user’s password', () => {
    it('then the user’s login tokens end, its API keys keep working, and the new password logs in', async () => {
      const ada = await createUser(t.db, { password: PASSWORD });
      const sessions = [await login(t.app, ada.user.email, PASSWORD), await login(t.app, ada.user.email, PASSWORD)];
      expect((await patch(admin.token, ada.user.id, { password: NEW_PASSWORD })).status).toBe(200);
      expect(await Promise.all(sessions.map(statusOf))).toEqual([401, 401]);
      expect(await statusOf(ada.token)).toBe(200); // API keys are credentials of their own (see README)
      expect(await t.db.prisma.apiKey.count({ where: { userId: ada.user.id, kind: 'LOGIN', revokedAt: null } })).toBe(0);
      await login(t.app, ada.user.email, NEW_PASSWORD);
    });

    it('then, for its own password, the admin keeps the session it sets it with and loses the others', async () => {
      const current = await login(t.app, admin.user.email, PASSWORD);
      const other = await login(t.app, admin.user.email, PASSWORD);
      expect((await patch(current, admin.user.id, { password: NEW_PASSWORD })).status).toBe(200);
      expect(await statusOf(current)).toBe(200);
      expect(await statusOf(other)).toBe(401);
    });

    it('then a change of the name alone ends nothing', async () => {
      const ada = await createUser(t.db, { password: PASSWORD });
      const session = await login(t.app, ada.user.email, PASSWORD);
      expect((await patch(admin.token, ada.user.id, { name: 'Ada L.' })).status).toBe(200);
      expect(await statusOf(session)).toBe(200);
    });
  });

  describe('when a user is disabled and enabled again', () => {
    it('then its old login tokens stay ended, and its API keys work again once it is enabled', async () => {
      const ada = await createUser(t.db, { password: PASSWORD });
      const session = await login(t.app, ada.user.email, PASSWORD);
      expect((await patch(admin.token, ada.user.id, { disabled: true })).status).toBe(200);
      expect(await statusOf(session)).toBe(401);
      expect(await statusOf(ada.token)).toBe(401);
      expect((await patch(admin.token, ada.user.id, { disabled: false })).status).toBe(200);
      expect(await statusOf(session)).toBe(401);
      expect(await statusOf(ada.token)).toBe(200);
      expect(await statusOf(await login(t.app, ada.user.email, PASSWORD))).toBe(200);
    });

    it('then a token of a user disabled some other way (directly in the database) does not come back either', async () => {
      const ada = await createUser(t.db, { password: PASSWORD });
      const session = await login(t.app, ada.user.email, PASSWORD);
      await t.db.prisma.user.update({ where: { id: ada.user.id }, data: { disabledAt: new Date() } });
      expect((await patch(admin.token, ada.user.id, { disabled: false })).status).toBe(200);
      expect(await statusOf(session)).toBe(401);
    });

    it('then re-enabling with npm run create-admin does not revive them either', async () => {
      const ada = await createUser(t.db, { password: PASSWORD });
      const session = await login(t.app, ada.user.email, PASSWORD);
      await t.db.prisma.user.update({ where: { id: ada.user.id }, data: { disabledAt: new Date() } });
      await ensureAdmin(t.db.prisma, { email: ada.user.email });
      expect(await statusOf(session)).toBe(401);
    });
  });

  describe('the last active admin', () => {
    it.each([
      ['demote itself', { role: 'MEMBER' }, 'body.role'],
      ['disable itself', { disabled: true }, 'body.disabled'],
    ])('when it tries to %s, then 409 with the reason, and nothing changes', async (_what, body, path) => {
      const res = await patch(admin.token, admin.user.id, body);
      expect(res.status).toBe(409);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.detail).toMatch(/last active admin/);
      expect(res.body.errors).toEqual([{ path, message: 'would leave no active admin' }]);
      expect(await t.db.prisma.user.findUniqueOrThrow({ where: { id: admin.user.id } })).toMatchObject({ role: 'ADMIN', disabledAt: null });
      expect(await statusOf(admin.token)).toBe(200);
    });

    it('when it tries to delete itself, then 409 and it is still there', async () => {
      const res = await request(t.app).delete(`/api/v1/users/${admin.user.id}`).set(authHeader(admin.token));
      expect(res.status).toBe(409);
      expect(res.body.detail).toMatch(/last active admin/);
      expect(await t.db.prisma.user.count({ where: { id: admin.user.id } })).toBe(1);
    });

    it('when a disabled admin exists besides it, then it is still the last active one', async () => {
      await createUser(t.db, { role: 'ADMIN', disabled: true });
      expect((await patch(admin.token, admin.user.id, { role: 'MEMBER' })).status).toBe(409);
    });

    it('when another active admin exists, then an admin may demote or delete itself', async () => {
      const other = await createUser(t.db, { role: 'ADMIN' });
      expect((await patch(admin.token, admin.user.id, { role: 'MEMBER' })).status).toBe(200);
      expect((await patch(other.token, other.user.id, { role: 'MEMBER' })).status).toBe(409);
      const third = await createUser(t.db, { role: 'ADMIN' });
      expect((await request(t.app).delete(`/api/v1/users/${third.user.id}`).set(authHeader(third.token))).status).toBe(204);
    });

    it('when two admins demote each other at once, then one active admin is left', async () => {
      const other = await createUser(t.db, { role: 'ADMIN' });
      const results = await Promise.all([
        patch(admin.token, other.user.id, { role: 'MEMBER' }),
        patch(other.token, admin.user.id, { role: 'MEMBER' }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(await t.db.prisma.user.count({ where: { role: 'ADMIN', disabledAt: null } })).toBe(1);
    });
  });

  describe('white-space-only passwords', () => {
    it.each([
      ['spaces', ' '.repeat(12)],
      ['tabs and new lines', '\t\n'.repeat(8)],
      ['no-break and ideographic spaces', '\u00a0\u3000'.repeat(6)],
    ])('when a new password is only %s, then 400 naming it, wherever it is set', async (_what, password) => {
      const create = await request(t.app)
        .post('/api/v1/users')
        .set(authHeader(admin.token))
        .send({ email: 'blank@example.com', name: 'Blank', password });
      expect(create.status).toBe(400);
      expect(create.body.errors).toContainEqual({ path: 'body.password', message: 'must not be only white space' });
      const set = await patch(admin.token, admin.user.id, { password });
      expect(set.body.errors).toContainEqual({ path: 'body.password', message: 'must not be only white space' });
      const session = await login(t.app, admin.user.email, PASSWORD);
      const change = await request(t.app)
        .post('/api/v1/auth/password')
        .set(authHeader(session))
        .send({ currentPassword: PASSWORD, newPassword: password });
      expect(change.body.errors).toContainEqual({ path: 'body.newPassword', message: 'must not be only white space' });
      expect(await t.db.prisma.user.count({ where: { email: 'blank@example.com' } })).toBe(0);
    });

    it('when a password has white space around other characters, then it is accepted', async () => {
      const res = await request(t.app)
        .post('/api/v1/users')
        .set(authHeader(admin.token))
        .send({ email: 'spaced@example.com', name: 'Spaced', password: '  pass phrase  ' });
      expect(res.status).toBe(201);
    });
  });
});
