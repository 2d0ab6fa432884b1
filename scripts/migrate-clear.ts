/**
 * npm run migrate:clear [-- --yes] — clears the migration history and reapplies every
 * migration: drops and recreates only the configured schema (DATABASE_URL's ?schema=, default
 * public), keeping the database's roles, other schemas and extensions.
 */
import { parseArgs } from 'node:util';
import { logger } from '../src/core/logging';
import { clearSchema } from '../src/db/maintenance';
import { listMigrations } from '../src/db/migrations';
import { parsePgUrl, redactUrl } from '../src/db/pg-url';
import { openDatabaseTarget } from '../src/db/target';
import { run, scriptConfig } from './cli';
import { confirm } from './confirm';

run(async () => {
  const { values } = parseArgs({ options: { yes: { type: 'boolean', short: 'y' } } });
  const config = scriptConfig();
  const target = await openDatabaseTarget(config);
  try {
    const { schema } = parsePgUrl(target.url);
    const where = `${redactUrl(config.database.url ?? target.url)} (${target.kind}${target.tunnel ? ', through the SSH tunnel' : ''})`;
    logger.info(`database: ${where}`);
    await confirm(`This DROPS schema "${schema}" with all its data on ${where}, then reapplies every migration.`, values.yes);
    const started = Date.now();
    await clearSchema(target.url, (message) => logger.info(message));
    logger.info(`schema "${schema}" rebuilt: ${listMigrations().length} migration(s) applied in ${Date.now() - started} ms`);
  } finally {
    await target.release();
  }
});
