/**
 * What every script shares: the configuration as the server takes it (src/core/process-config.ts),
 * with readable log lines, and a non-zero exit on failure. Scripts open the configured database
 * with src/db/open.ts (withDatabase, withTarget, withClient).
 */
import type { Config } from '../src/core/config';
import { processConfig } from '../src/core/process-config';
import { logger } from '../src/core/logging';
import { explainDatabaseError } from '../src/db/connection-error';
import { redactUrl } from '../src/db/pg-url';
import type { DatabaseTarget } from '../src/db/target';

/** The configuration this script loaded, so that a failure can name the database it was about. */
let loaded: Readonly<Config> | undefined;

export function scriptConfig(): Readonly<Config> {
  loaded = processConfig({ format: 'pretty' });
  return loaded;
}

/**
 * Runs a script's main function; any failure is printed (a database one with what to fix) and
 * exits 1 (else process.exitCode, or 0).
 */
export function run(main: () => Promise<void>): void {
  main().then(
    () => process.exit(),
    (err: unknown) => {
      const explained = loaded && explainDatabaseError(err, loaded);
      logger.error(explained ? explained.message : err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}

/** Where a script works, for its messages: the URL (password hidden) and how it is reached. */
export function describeTarget(config: Readonly<Config>, target: DatabaseTarget): string {
  return `${redactUrl(config.database.url ?? target.url)} (${target.kind}${target.tunnel ? ', through the SSH tunnel' : ''})`;
}

/** Destructive scripts stop here when NODE_ENV=production, unless the operator passed --force. */
export function refuseInProduction(config: Readonly<Config>, force: boolean | undefined, what: string): void {
  if (config.env === 'production' && !force) {
    throw new Error(`refusing to ${what} when NODE_ENV=production; pass --force if that is really meant`);
  }
}
