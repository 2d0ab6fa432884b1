/** The message of a database that cannot be used names it and the variables that choose it. */
import pg from 'pg';
import { loadConfig } from '../../src/core/config';
import { describeDatabase, explainDatabaseError } from '../../src/db/connection-error';
import { freePort } from '../support/process';

describe('database connection errors', () => {
  it('names DATABASE_URL (password redacted), the SSH variables behind a bastion, or the embedded settings', () => {
    const external = describeDatabase(loadConfig({ DATABASE_URL: 'postgresql://app:hunter2@db.internal:5432/api' }));
    expect(external).toEqual({
      target: 'postgresql://app:***@db.internal:5432/api',
      fix: 'check DATABASE_URL, or unset it to use the embedded database',
    });
    const tunnelled = describeDatabase(
      loadConfig({
        DATABASE_URL: 'postgresql://app:hunter2@10.0.0.5:5432/api',
        DATABASE_SSH_HOST: 'bastion.example.com',
        DATABASE_SSH_USER: 'deploy',
        DATABASE_SSH_PRIVATE_KEY_PATH: '/keys/id_ed25519',
        DATABASE_SSH_INSECURE_ACCEPT_ANY_HOST_KEY: 'true',
      }),
    );
    expect(tunnelled.target).toBe('postgresql://app:***@10.0.0.5:5432/api through the SSH bastion bastion.example.com:22');
    expect(tunnelled.fix).toMatch(/DATABASE_URL \(its host and port as the bastion sees them\) and DATABASE_SSH_HOST/);
    const embedded = describeDatabase(loadConfig({ EMBEDDED_DB_PORT: '54400', EMBEDDED_DB_DIR: '/srv/data' }));
    expect(embedded.target).toBe('the embedded database postgresql://postgres:***@127.0.0.1:54400/postgres');
    expect(embedded.fix).toMatch(/EMBEDDED_DB_PORT and EMBEDDED_DB_DIR \(\/srv\/data; its server.log says more\)/);
  });

  it('when the connection is refused, then the error says so and what to check; other errors are left alone', async () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://app:hunter2@127.0.0.1:5999/api' });
    const client = new pg.Client({ host: '127.0.0.1', port: await freePort(), connectionTimeoutMillis: 2_000 });
    const refused = await client.connect().catch((err: unknown) => err);
    expect(explainDatabaseError(refused, config)?.message).toMatch(
      /^cannot use the database postgresql:\/\/app:\*\*\*@127\.0\.0\.1:5999\/api \(connect ECONNREFUSED 127\.0\.0\.1:\d+\): check DATABASE_URL/,
    );
    expect(explainDatabaseError(new Error('a bug'), config)).toBeUndefined();
  });
});
