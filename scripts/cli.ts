/** What every script shares: .env, validated config, logging, password cost, and a non-zero exit on failure. */
import { ConfigError, loadConfig, type Config } from '../src/core/config';
import { loadDotenv } from '../src/core/dotenv';
import { configureLogging, logger } from '../src/core/logging';
import { setPasswordCost } from '../src/auth/passwords';
import { explainDatabaseError, probeDatabase } from '../src/db/connection-error';
import { redactUrl } from '../src/db/pg-url';
import { openDatabaseTarget, type DatabaseTarget } from '../src/db/target';

/** The configuration this script loaded, so that a failure can name the database it was about. */
let loaded: Readonly<Config> | undefined;

export function scriptConfig(): Readonly<Config> {
  loadDotenv();
  try {
    const config = loadConfig();
    configureLogging({ ...config.log, format: 'pretty' });
    setPasswordCost(config.auth.passwordCost);
    loaded = config;
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
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

/**
 * The configured database, for a script that hands it to the Prisma CLI: the CLI would only say
 * it cannot reach host:port, so it is connected to once first, and a failure is explained by run()
 * (the database, redacted, and the variable to fix).
 */
export async function openTargetForCli(config: Readonly<Config>): Promise<DatabaseTarget> {
  const target = await openDatabaseTarget(config);
  try {
    await probeDatabase(target.url);
  } catch (err) {
    await target.release();
    throw err;
  }
  return target;
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
