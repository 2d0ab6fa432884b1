/**
 * npm run migrate [-- --schema <file>] — applies pending migrations (`prisma migrate deploy`) to
 * the configured database (DATABASE_URL, or the embedded one), and says what it did.
 */
import { parseArgs } from 'node:util';
import { connectDatabase } from '../src/db/connection';
import { prismaPaths } from '../src/db/migrate/paths';
import { deployMigrations, failedMigrationAdvice, listMigrations, MigrationFailedError, migrationState } from '../src/db/migrations';
import { openDatabaseTarget } from '../src/db/target';
import { logger } from '../src/core/logging';
import { redactUrl } from '../src/db/pg-url';
import { run, scriptConfig } from './cli';

run(async () => {
  const { values } = parseArgs({ options: { schema: { type: 'string' } }, strict: true });
  const paths = prismaPaths(values.schema);
  const config = scriptConfig();
  const target = await openDatabaseTarget(config);
  const db = connectDatabase({ ...config.database, url: target.url, poolSize: 1 });
  try {
    const known = listMigrations(paths.migrationsDir);
    const before = await migrationState(db.pool, db.schema, known);
    logger.info(`database: ${redactUrl(target.url)} (${target.kind})`);
    logger.info(
      `${before.applied.length} applied, ${before.pending.length} pending${before.failed.length ? `, ${before.failed.length} FAILED` : ''}`,
    );
    const failed = before.failed[0];
    if (failed) throw new Error(failedMigrationAdvice(failed));
    if (before.pending.length) {
      for (const name of before.pending) logger.info(`  applying ${name}`);
      try {
        await deployMigrations(target.url, paths.cliArgs);
      } catch (err) {
        if (err instanceof MigrationFailedError && err.migration) logger.error(failedMigrationAdvice(err.migration));
        throw err;
      }
    }
    const after = await migrationState(db.pool, db.schema, known);
    if (after.pending.length || after.failed.length) {
      throw new Error(`still pending: ${after.pending.join(', ') || '-'}; failed: ${after.failed.join(', ') || '-'}`);
    }
    logger.info(
      before.pending.length ? `applied ${before.pending.length} migration(s); the database is up to date` : 'the database is up to date',
    );
  } finally {
    await db.close();
    await target.release();
  }
});
