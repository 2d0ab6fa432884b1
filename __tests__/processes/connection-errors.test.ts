/**
 * A script or the service that cannot use its database says which database (URL, password
 * redacted) and which variable to fix — through each way a script reaches the database: pg
 * (migrate and the other migrate:* scripts), Prisma Client (seed, create-admin), the Prisma CLI
 * (db:pull, migrate:dev, generate:models), and the service's start-up.
 */
import { freePort, runTs } from '../support/process';

const run = (args: string[], env: Record<string, string>) => runTs(args, { NODE_ENV: 'development', ...env });

describe('when the configured database cannot be reached', () => {
  let url: string;
  let redacted: string;
  beforeAll(async () => {
    const port = await freePort(); // nothing listens there
    url = `postgresql://app:s3cret-pw@127.0.0.1:${port}/backendapi`;
    redacted = `postgresql://app:***@127.0.0.1:${port}/backendapi`;
  });

  it.each([
    ['npm run migrate', ['scripts/migrate.ts']],
    ['npm run seed', ['prisma/seed.ts']],
    ['npm run db:pull', ['scripts/prisma.ts', 'db', 'pull', '--print']],
    ['npm run migrate:dev', ['scripts/migrate-dev.ts', '--name', 'never_created']],
    ['npm run generate:models', ['scripts/generate-models-from-db.ts']],
    // Every other script opens the database the same way (src/db/open.ts) and fails the same way.
    ['npm run create-admin', ['scripts/create-admin.ts', '--email', 'admin@example.com']],
    ['npm run migrate:status', ['scripts/migrate-status.ts', '--skip-drift']],
    ['npm run migrate:resolve', ['scripts/migrate-resolve.ts', '--rolled-back', 'never_applied']],
    ['npm run migrate:rollback', ['scripts/migrate-rollback.ts', '--steps', '1', '--yes']],
    ['npm run migrate:clear', ['scripts/migrate-clear.ts', '--yes']],
    ['npm run migrate:down-sql', ['scripts/migrate-down-sql.ts']],
    ['npm run db:adopt', ['scripts/db-adopt.ts', '--yes']],
    ['npm start', ['src/main.ts']],
  ])(
    'then %s exits 1 naming the database and DATABASE_URL, without the password',
    async (_name, args) => {
      const { code, output } = await run(args, { DATABASE_URL: url, PORT: '0', HOST: '127.0.0.1' });
      expect(code).toBe(1);
      expect(output).toContain(`cannot use the database ${redacted} (`);
      expect(output).toContain('check DATABASE_URL, or unset it to use the embedded database');
      expect(output).not.toContain('s3cret-pw');
    },
    60_000,
  );

  it('then a missing database is named the same way', async () => {
    const { code, output } = await run(['scripts/migrate.ts'], {
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/backendapi_i17_missing',
    });
    expect(code).toBe(1);
    expect(output).toContain(
      'cannot use the database postgresql://postgres@127.0.0.1:5432/backendapi_i17_missing (database "backendapi_i17_missing" does not exist): check DATABASE_URL',
    );
  }, 60_000);
});
