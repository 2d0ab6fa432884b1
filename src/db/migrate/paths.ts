/**
 * Where the Prisma schema and its migrations are: prisma/schema.prisma and prisma/migrations
 * unless a script is given `--schema <file>` (then `<its directory>/migrations`, as the Prisma
 * CLI resolves it when prisma.config.ts sets no migrations path).
 */
import path from 'node:path';
import { PROJECT_ROOT } from '../../core/paths';

export interface PrismaPaths {
  schemaFile: string;
  migrationsDir: string;
  /** Arguments that point the Prisma CLI at them (none for the project's own). */
  cliArgs: string[];
}

export const PROJECT_SCHEMA = path.join(PROJECT_ROOT, 'prisma', 'schema.prisma');

export function prismaPaths(schemaFile?: string): PrismaPaths {
  const file = path.resolve(schemaFile ?? PROJECT_SCHEMA);
  return {
    schemaFile: file,
    migrationsDir: path.join(path.dirname(file), 'migrations'),
    cliArgs: file === PROJECT_SCHEMA ? [] : ['--schema', file],
  };
}
