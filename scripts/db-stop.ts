/**
 * npm run db:stop — stops the embedded PostgreSQL server, if one is running. The server stops
 * by itself when its last user (npm start, studio, a script) exits, so this is rarely needed; while
 * processes still use it, it refuses and names them, unless `-- --force` (they then start it again).
 */
import { parseArgs } from 'node:util';
import { stopEmbeddedServer } from '../src/db/embedded';
import { leaseHolders } from '../src/db/embedded-leases';
import { logger } from '../src/core/logging';
import { run, scriptConfig } from './cli';

run(async () => {
  const { values } = parseArgs({ options: { force: { type: 'boolean', default: false } } });
  const config = scriptConfig();
  const users = leaseHolders(config.embedded.dir);
  if (users.length && !values.force) {
    throw new Error(
      `the embedded database server is in use by ${users.map((u) => `pid ${u.pid} (${u.command})`).join(', ')}; ` +
        'stop them first (it then stops by itself), or pass -- --force',
    );
  }
  const stopped = await stopEmbeddedServer(config.embedded.dir);
  logger.info(stopped ? `stopped the embedded database server (${config.embedded.dir})` : 'no embedded database server is running');
});
