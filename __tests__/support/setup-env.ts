// Runs in every test file before anything else: quiet logs unless LOG_LEVEL asks for them, and
// cheap password hashes.
import { setPasswordCost } from '../../src/auth/passwords';
import { loadConfig } from '../../src/core/config';
import { logger } from '../../src/core/logging';

process.env.LOG_LEVEL ??= 'silent';
logger.silent = process.env.LOG_LEVEL === 'silent';

// The suite hashes hundreds of passwords: at the production cost (2^15) that was most of the
// time of the api lane. Tests hash at 2^10 unless AUTH_PASSWORD_COST says otherwise, read through
// the same config as the service; the production cost has tests of its own
// (unit/auth-passwords.test.ts, api/auth-login.test.ts). Child processes (npm start, scripts)
// are not affected: they read their own environment.
setPasswordCost(loadConfig({ NODE_ENV: 'test', AUTH_PASSWORD_COST: process.env.AUTH_PASSWORD_COST ?? '10' }).auth.passwordCost);

// Services the tests start inherit this: each gets a free metrics port, so that parallel
// workers (and a service running on this machine) never compete for the default 9464.
process.env.METRICS_PORT ??= '0';
