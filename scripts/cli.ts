/** What every script shares: .env, validated config, logging, password cost, and a non-zero exit on failure. */
import { ConfigError, loadConfig, type Config } from '../src/core/config';
import { loadDotenv } from '../src/core/dotenv';
import { configureLogging, logger } from '../src/core/logging';
import { setPasswordCost } from '../src/auth/passwords';
import { explainDatabaseError } from '../src/db/connection-error';

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

/** Runs a script's main function; any failure is printed (a database one with what to fix) and exits 1. */
export function run(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      const explained = loaded && explainDatabaseError(err, loaded);
      logger.error(explained ? explained.message : err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
