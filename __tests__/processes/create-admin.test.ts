/**
 * npm run create-admin as an operator runs it, against this worker's schema: the admin it
 * creates gets the same `user.created` event as a user created by POST /users (one function
 * creates users, src/auth/users.ts), and the key it prints works.
 */
import request from 'supertest';
import { startTestApp, testDatabaseUrl, truncateAll, type TestApp } from '../support/app';
import { authHeader } from '../support/factories';
import { runTs } from '../support/process';

const PASSWORD = 'correct horse battery';

describe('npm run create-admin', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = startTestApp();
    await truncateAll(t.db);
  });
  afterAll(() => t.close());

  const createdEvent = async (email: string) => {
    const user = await t.db.prisma.user.findUniqueOrThrow({ where: { email } });
    const events = await t.db.prisma.eventLog.findMany({ where: { entityId: user.id, action: 'user.created' } });
    expect(events).toHaveLength(1);
    const after = (events[0]?.changes as { after: Record<string, unknown> }).after;
    return { user, after, shape: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v === null ? 'null' : typeof v])) };
  };

  it('when it creates an admin, then its event has the shape of a POST /users one and its key creates users', async () => {
    const { code, output } = await runTs(['scripts/create-admin.ts', '--email', 'Root@Example.com', '--password', PASSWORD], {
      NODE_ENV: 'development',
      DATABASE_URL: testDatabaseUrl(),
      AUTH_PASSWORD_COST: '10',
    });
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('created admin root@example.com') });
    const token = /^(bk_api_\S+)$/m.exec(output)?.[1] as string;
    expect(token).toBeDefined();

    const posted = await request(t.app)
      .post('/api/v1/users')
      .set(authHeader(token))
      .send({ email: 'posted@example.com', name: 'Posted', password: PASSWORD });
    expect(posted.status).toBe(201);

    const made = await createdEvent('root@example.com');
    const viaApi = await createdEvent('posted@example.com');
    expect(made.shape).toEqual(viaApi.shape);
    expect(made.after).toMatchObject({ email: 'root@example.com', role: 'ADMIN', passwordHash: '[redacted]' });
    expect(viaApi.after).toMatchObject({ email: 'posted@example.com', role: 'MEMBER', passwordHash: '[redacted]' });
  }, 90_000);
});
