/**
 * How a process takes its configuration, the server (src/main.ts) and every script
 * (scripts/cli.ts) alike: .env, then the environment, validated once (a bad value exits 1 with
 * a message naming every bad variable), and the process-wide settings applied: logging and
 * the cost of new password hashes.
 */
import { setPasswordCost } from '../auth/passwords';
import { ConfigError, loadConfig, type Config } from './config';
import { loadDotenv } from './dotenv';
import { configureLogging } from './logging';

export function processConfig(log: Partial<Config['log']> = {}): Readonly<Config> {
  loadDotenv();
  let config: Readonly<Config>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  configureLogging({ ...config.log, ...log });
  setPasswordCost(config.auth.passwordCost);
  return config;
}
