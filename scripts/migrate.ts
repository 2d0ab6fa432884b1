/**
 * npm run migrate [-- --schema <file>] — applies pending migrations (`prisma migrate deploy`) to
 * the configured database (DATABASE_URL, or the embedded one), and says what it did.
 */
import { parseArgs } from 'node:util';
import { prismaPaths } from '../src/db/migrate/paths';
import { applyPendingMigrations, listMigrations, migrationState } from '../src/db/migrations';
import { withDatabase } from '../src/db/open';
import { logger } from '../src/core/logging';
import { redactUrl } from '../src/db/pg-url';
import { run, scriptConfig } from './cli';

run(async () => {
  const { values } = parseArgs({ options: { schema: { type: 'string' } }, strict: true });
  const paths = prismaPaths(values.schema);
  const config = scriptConfig();
  await withDatabase(config, { poolSize: 1 }, async (db, target) => {
    logger.info(`database: ${redactUrl(target.url)} (${target.kind})`);
    // The same function as the start-up and the tests' setup; this script says what it finds and does.
    const applied = await applyPendingMigrations(db.pool, db.schema, target.url, {
      migrationsDir: paths.migrationsDir,
      cliArgs: paths.cliArgs,
      onState(before) {
        logger.info(
          `${before.applied.length} applied, ${before.pending.length} pending${before.failed.length ? `, ${before.failed.length} FAILED` : ''}`,
        );
        if (!before.failed.length) for (const name of before.pending) logger.info(`  applying ${name}`);
      },
    });
    const after = await migrationState(db.pool, db.schema, listMigrations(paths.migrationsDir));
    if (after.pending.length || after.failed.length) {
      throw new Error(`still pending: ${after.pending.join(', ') || '-'}; failed: ${after.failed.join(', ') || '-'}`);
    }
    logger.info(applied.length ? `applied ${applied.length} migration(s); the database is up to date` : 'the database is up to date');
  });
});
