/**
 * npm run migrate:reset [-- --yes] [-- --force] — resets the entire database: drops every
 * non-system schema, reapplies every migration and seeds the demo data. Refuses when
 * NODE_ENV=production unless --force (and never seeds demo data in production).
 */
import { parseArgs } from 'node:util';
import { logger } from '../src/core/logging';
import { connectDatabase } from '../src/db/connection';
import { resetDatabase } from '../src/db/maintenance';
import { listMigrations } from '../src/db/migrations';
import { redactUrl } from '../src/db/pg-url';
import { openDatabaseTarget, poolSizeFor } from '../src/db/target';
import { seedDemoData } from '../prisma/seed';
import { run, scriptConfig } from './cli';
import { confirm } from './confirm';

run(async () => {
  const { values } = parseArgs({ options: { yes: { type: 'boolean', short: 'y' }, force: { type: 'boolean' } } });
  const config = scriptConfig();
  if (config.env === 'production' && !values.force) {
    throw new Error('refusing to reset the database when NODE_ENV=production; pass --force if that is really meant');
  }
  const target = await openDatabaseTarget(config);
  try {
    const where = `${redactUrl(config.database.url ?? target.url)} (${target.kind}${target.tunnel ? ', through the SSH tunnel' : ''})`;
    logger.info(`database: ${where}`);
    await confirm(
      `This DROPS EVERY SCHEMA and all data of the database on ${where}, then reapplies every migration and seeds.`,
      values.yes,
    );
    const started = Date.now();
    await resetDatabase(target.url, (message) => logger.info(message));
    logger.info(`${listMigrations().length} migration(s) applied`);
    if (config.env === 'production') {
      logger.info('NODE_ENV=production: no demo data seeded');
    } else {
      logger.info('seeding the demo data');
      const db = connectDatabase({ ...config.database, url: target.url, poolSize: poolSizeFor(target, 2) });
      try {
        await seedDemoData(db.prisma);
      } finally {
        await db.close();
      }
    }
    logger.info(`database reset in ${Date.now() - started} ms`);
  } finally {
    await target.release();
  }
});
