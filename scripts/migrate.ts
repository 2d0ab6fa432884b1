/**
 * npm run migrate — applies pending migrations (`prisma migrate deploy`) to the configured
 * database (DATABASE_URL, or the embedded one), and says what it did.
 */
import { connectDatabase } from '../src/db/connection';
import { deployMigrations } from '../src/db/maintenance';
import { migrationState } from '../src/db/migrations';
import { openDatabaseTarget } from '../src/db/target';
import { logger } from '../src/core/logging';
import { redactUrl } from '../src/db/pg-url';
import { run, scriptConfig } from './cli';

run(async () => {
  const config = scriptConfig();
  const target = await openDatabaseTarget(config);
  const db = connectDatabase({ ...config.database, url: target.url, poolSize: 1 });
  try {
    const before = await migrationState(db.pool, db.schema);
    logger.info(`database: ${redactUrl(target.url)} (${target.kind})`);
    logger.info(
      `${before.applied.length} applied, ${before.pending.length} pending${before.failed.length ? `, ${before.failed.length} FAILED` : ''}`,
    );
    if (before.pending.length) {
      for (const name of before.pending) logger.info(`  applying ${name}`);
      await deployMigrations(target.url);
    }
    const after = await migrationState(db.pool, db.schema);
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
