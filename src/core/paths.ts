import { existsSync } from 'node:fs';
import path from 'node:path';

/** The directory with package.json and prisma/: found upward, so it holds under src/ and dist/src/ alike. */
function findProjectRoot(start: string): string {
  for (let dir = start; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'prisma'))) return dir;
  }
  throw new Error(`no project root above ${start}`);
}

export const PROJECT_ROOT = findProjectRoot(__dirname);
