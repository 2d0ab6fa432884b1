import { existsSync } from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import { PROJECT_ROOT } from './paths';

/** Loads `.env` from the project root for development; variables already set win. */
export function loadDotenv(root = PROJECT_ROOT): void {
  const file = path.join(root, '.env');
  if (existsSync(file)) dotenv.config({ path: file, quiet: true });
}
