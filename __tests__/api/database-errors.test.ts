/**
 * Database errors in HTTP terms (src/db/errors.ts), raised by the real database: a unique
 * conflict names the field as the client knows it.
 */
import { httpErrorFromDatabase } from '../../src/db/errors';
import { startTestApp, truncateAll, type TestApp } from '../support/app';
import { createUser } from '../support/factories';

describe('database errors as problems', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = startTestApp();
    await truncateAll(t.db);
  });
  afterAll(() => t.close());

  it('when a unique constraint on a camelCase column is violated, then the 409 names body.<field> without quotes', async () => {
    const { user } = await createUser(t.db);
    const key = { userId: user.id, name: 'twin', kind: 'API' as const, tokenHash: 'the same hash', prefix: 'bk_api_x' };
    await t.db.prisma.apiKey.create({ data: key });
    const error = await t.db.prisma.apiKey.create({ data: key }).catch((err: unknown) => err);
    const problem = httpErrorFromDatabase(error);
    expect(problem?.status).toBe(409);
    expect(problem?.errors).toEqual([{ path: 'body.tokenHash', message: 'must be unique' }]);
    expect(problem?.detail).toBe('A record with this tokenHash already exists');
  });

  it('when a unique constraint spans lower-case columns, then each is named as it is', async () => {
    const { user } = await createUser(t.db);
    const algo = { ownerId: user.id, name: 'hrv', version: '1.0.0', parameters: {} };
    await t.db.prisma.algo.create({ data: algo });
    const error = await t.db.prisma.algo.create({ data: algo }).catch((err: unknown) => err);
    expect(httpErrorFromDatabase(error)?.errors?.map((e) => e.path)).toEqual(['body.name', 'body.version']);
  });
});
