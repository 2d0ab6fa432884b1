/**
 * npm run migrate:clear:destroy-data [-- --yes] [--force] — DESTROYS the data of the configured
 * schema: drops and recreates only that schema (DATABASE_URL's ?schema=, default public), keeping
 * the database's roles, other schemas and extensions, then applies every migration. Asks unless
 * --yes; refused with NODE_ENV=production unless --force. (`npm run migrate:clear` rebuilds the
 * migration history and keeps the data.)
 */
import { parseArgs } from 'node:util';
import { logger } from '../src/core/logging';
import { clearSchema } from '../src/db/maintenance';
import { listMigrations } from '../src/db/migrations';
import { parsePgUrl } from '../src/db/pg-url';
import { withTarget } from '../src/db/open';
import { describeTarget, refuseInProduction, run, scriptConfig } from './cli';
import { confirm } from './confirm';

run(async () => {
  const { values } = parseArgs({ options: { yes: { type: 'boolean', short: 'y' }, force: { type: 'boolean' } }, strict: true });
  const config = scriptConfig();
  refuseInProduction(config, values.force, 'drop the schema');
  await withTarget(config, async (target) => {
    const { schema } = parsePgUrl(target.url);
    const where = describeTarget(config, target);
    logger.info(`database: ${where}`);
    await confirm(`This DROPS schema "${schema}" with all its data on ${where}, then reapplies every migration.`, values.yes);
    const started = Date.now();
    await clearSchema(target.url, (message) => logger.info(message));
    logger.info(`schema "${schema}" rebuilt: ${listMigrations().length} migration(s) applied in ${Date.now() - started} ms`);
  });
});
