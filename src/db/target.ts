/**
 * Which PostgreSQL to use: the one in DATABASE_URL when set, otherwise the embedded server
 * (started if needed). The app and every script resolve the database here.
 */
import type { Config } from '../core/config';
import { logger } from '../core/logging';
import { ensureEmbeddedServer } from './embedded';
import { redactUrl } from './pg-url';

export interface DatabaseTarget {
  url: string;
  kind: 'external' | 'embedded';
  /** Undoes what opening did: stops the embedded server if this process started it. */
  release(): Promise<void>;
}

export async function openDatabaseTarget(config: Readonly<Config>): Promise<DatabaseTarget> {
  if (config.database.url) {
    return { url: config.database.url, kind: 'external', release: async () => {} };
  }
  const started = Date.now();
  const embedded = await ensureEmbeddedServer(config.embedded);
  logger.info(
    `${embedded.startedHere ? 'started' : 'using running'} embedded PostgreSQL at ${redactUrl(embedded.url)} (data in ${config.embedded.dir})`,
    { ms: Date.now() - started },
  );
  return {
    url: embedded.url,
    kind: 'embedded',
    release: async () => {
      if (embedded.startedHere) await embedded.stop();
    },
  };
}
