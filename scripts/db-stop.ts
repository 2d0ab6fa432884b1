/** npm run db:stop — stops the embedded PostgreSQL server, if one is running. */
import { stopEmbeddedServer } from '../src/db/embedded';
import { logger } from '../src/core/logging';
import { run, scriptConfig } from './cli';

run(async () => {
  const config = scriptConfig();
  const stopped = await stopEmbeddedServer(config.embedded.dir);
  logger.info(stopped ? `stopped the embedded database server (${config.embedded.dir})` : 'no embedded database server is running');
});
