/**
 * Users are created one way (src/auth/users.ts) whoever creates them: POST /users, npm run
 * create-admin (ensureAdmin) and the seed. Each leaves one `user.created` event of the same
 * shape (every column, the hash redacted), and the password it set logs in.
 */
import request from 'supertest';
import { ensureAdmin } from '../../src/auth/bootstrap';
import { DEMO_PASSWORD, seedDemoData } from '../../prisma/seed';
import { startTestApp, truncateAll, type TestApp } from '../support/app';
import { authHeader, createUser, login, type TestUser } from '../support/factories';

const PASSWORD = 'correct horse battery';

describe('user creation', () => {
  let t: TestApp;
  let admin: TestUser;
  beforeAll(() => {
    t = startTestApp();
  });
  beforeEach(async () => {
    await truncateAll(t.db);
    admin = await createUser(t.db, { role: 'ADMIN' });
  });
  afterAll(() => t.close());

  const createdEvent = async (email: string) => {
    const user = await t.db.prisma.user.findUniqueOrThrow({ where: { email } });
    const events = await t.db.prisma.eventLog.findMany({ where: { entityId: user.id, action: 'user.created' } });
    expect(events).toHaveLength(1);
    return { user, event: events[0] as (typeof events)[number] };
  };
  const shapeOf = (changes: unknown): Record<string, string> => {
    const after = (changes as { after: Record<string, unknown> }).after;
    return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v === null ? 'null' : typeof v]));
  };

  it('when a user is created by POST /users and by create-admin, then both events have the same shape, the hash redacted', async () => {
    const posted = await request(t.app)
      .post('/api/v1/users')
      .set(authHeader(admin.token))
      .send({ email: 'Posted@Example.com', name: 'Posted', password: PASSWORD });
    expect(posted.status).toBe(201);
    await ensureAdmin(t.db.prisma, { email: 'made@example.com', name: 'Made', password: PASSWORD });

    const viaApi = await createdEvent('posted@example.com');
    const viaScript = await createdEvent('made@example.com');
    expect(shapeOf(viaApi.event.changes)).toEqual(shapeOf(viaScript.event.changes));
    expect(Object.keys(shapeOf(viaApi.event.changes)).sort()).toEqual(
      ['createdAt', 'disabledAt', 'email', 'id', 'name', 'passwordHash', 'role', 'updatedAt'].sort(),
    );
    for (const { event } of [viaApi, viaScript]) {
      expect((event.changes as { after: { passwordHash: unknown } }).after.passwordHash).toBe('[redacted]');
      expect(JSON.stringify(event.changes)).not.toMatch(/scrypt/);
    }
    expect(viaApi.event.actorId).toBe(admin.user.id);
    expect(viaScript.event.actorId).toBe(viaScript.user.id);
    // The hash each path stored is a real one of the password given.
    await login(t.app, 'posted@example.com', PASSWORD);
    await login(t.app, 'made@example.com', PASSWORD);
  });

  it('when users are posted in bulk, then each gets its own event of that shape and the response lists them', async () => {
    const res = await request(t.app)
      .post('/api/v1/users')
      .set(authHeader(admin.token))
      .send([
        { email: 'one@example.com', name: 'One', password: PASSWORD },
        { email: 'two@example.com', name: 'Two', password: PASSWORD, role: 'ADMIN' },
      ]);
    expect(res.status).toBe(201);
    expect(res.body.data.map((u: { email: string; role: string }) => [u.email, u.role])).toEqual([
      ['one@example.com', 'MEMBER'],
      ['two@example.com', 'ADMIN'],
    ]);
    const [one, two] = [await createdEvent('one@example.com'), await createdEvent('two@example.com')];
    expect(shapeOf(one.event.changes)).toEqual(shapeOf(two.event.changes));
    await login(t.app, 'two@example.com', PASSWORD);
  });

  it('when the seed creates its demo users, then their events have the shape of POST /users', async () => {
    await request(t.app)
      .post('/api/v1/users')
      .set(authHeader(admin.token))
      .send({ email: 'posted@example.com', name: 'Posted', password: PASSWORD })
      .expect(201);
    expect(await seedDemoData(t.db.prisma)).toBe(true);
    const posted = await createdEvent('posted@example.com');
    for (const email of ['admin@example.com', 'ada@example.com', 'grace@example.com']) {
      expect({ email, shape: shapeOf((await createdEvent(email)).event.changes) }).toEqual({ email, shape: shapeOf(posted.event.changes) });
    }
    await login(t.app, 'ada@example.com', DEMO_PASSWORD);
  });

  it('when a POST /users is replayed with its Idempotency-Key, then one user and one event exist', async () => {
    const send = () =>
      request(t.app)
        .post('/api/v1/users')
        .set(authHeader(admin.token))
        .set('Idempotency-Key', 'create-once')
        .send({ email: 'once@example.com', name: 'Once', password: PASSWORD });
    const first = await send();
    const again = await send();
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    await createdEvent('once@example.com');
  });
});
