/**
 * npm run migrate:reset [-- --yes] [--force] [--skip-seed] — resets the entire database: drops
 * every non-system schema, reapplies every migration and seeds the demo data (Prisma's `migrate
 * reset` convention), printing the demo credentials as `npm run seed` does. --skip-seed leaves
 * the tables empty. Refuses when NODE_ENV=production unless --force (and never seeds demo data
 * in production).
 */
import { parseArgs } from 'node:util';
import { logger } from '../src/core/logging';
import { resetDatabase } from '../src/db/maintenance';
import { listMigrations } from '../src/db/migrations';
import { connectTarget, withTarget } from '../src/db/open';
import { logDemoCredentials, seedDemoData } from '../prisma/seed';
import { describeTarget, refuseInProduction, run, scriptConfig } from './cli';
import { confirm } from './confirm';

run(async () => {
  const { values } = parseArgs({
    options: { yes: { type: 'boolean', short: 'y' }, force: { type: 'boolean' }, 'skip-seed': { type: 'boolean' } },
    strict: true,
  });
  const config = scriptConfig();
  refuseInProduction(config, values.force, 'reset the database');
  await withTarget(config, async (target) => {
    const where = describeTarget(config, target);
    logger.info(`database: ${where}`);
    await confirm(
      `This DROPS EVERY SCHEMA and all data of the database on ${where}, then reapplies every migration${values['skip-seed'] ? '' : ' and seeds'}.`,
      values.yes,
    );
    const started = Date.now();
    await resetDatabase(target.url, (message) => logger.info(message));
    logger.info(`${listMigrations().length} migration(s) applied`);
    if (values['skip-seed']) {
      logger.info('--skip-seed: no demo data seeded');
    } else if (config.env === 'production') {
      logger.info('NODE_ENV=production: no demo data seeded');
    } else {
      logger.info('seeding the demo data');
      const db = connectTarget(config, target, { poolSize: 2 });
      try {
        await seedDemoData(db.prisma);
      } finally {
        await db.close();
      }
      logDemoCredentials();
    }
    logger.info(`database reset in ${Date.now() - started} ms`);
  });
});
