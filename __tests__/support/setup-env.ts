// Runs in every test file before anything else: quiet logs unless LOG_LEVEL asks for them.
import { logger } from '../../src/core/logging';

process.env.LOG_LEVEL ??= 'silent';
logger.silent = process.env.LOG_LEVEL === 'silent';
