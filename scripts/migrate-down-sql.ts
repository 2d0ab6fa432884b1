/**
 * npm run migrate:down-sql [-- <migration>…] [--force] [--schema <file>] — writes the down.sql of
 * each migration named (default: every migration without one) with `prisma migrate diff` from the
 * schema with the migration to the schema without it (src/db/migrate/down-sql.ts). --force
 * rewrites existing files. `npm run migrate:dev` does this by itself for the migrations it creates.
 * Needs a database server for the temporary shadow databases (the configured one); it reads and
 * changes nothing in the configured database itself.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { logger } from '../src/core/logging';
import { writeDownFiles } from '../src/db/migrate/down-sql';
import { prismaPaths } from '../src/db/migrate/paths';
import { withTarget } from '../src/db/open';
import { run, scriptConfig } from './cli';

run(async () => {
  const { values, positionals } = parseArgs({
    options: { force: { type: 'boolean' }, schema: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const paths = prismaPaths(values.schema);
  const config = scriptConfig();
  await withTarget(
    config,
    async (target) => {
      const written = await writeDownFiles(target.url, paths.migrationsDir, {
        names: positionals,
        overwrite: values.force,
        progress: (m) => logger.info(m),
      });
      const where = path.relative(process.cwd(), paths.migrationsDir);
      logger.info(
        written.length
          ? `wrote ${written.length} down.sql file(s) in ${where}; review them`
          : `every migration in ${where} has its down.sql`,
      );
    },
    { probe: true },
  );
});
