// Runs in every test file before anything else: quiet logs unless LOG_LEVEL asks for them.
import { logger } from '../../src/core/logging';

process.env.LOG_LEVEL ??= 'silent';
logger.silent = process.env.LOG_LEVEL === 'silent';
// Services the tests start inherit this: each gets a free metrics port, so that parallel
// workers (and a service running on this machine) never compete for the default 9464.
process.env.METRICS_PORT ??= '0';
