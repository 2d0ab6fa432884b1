/**
 * npm run migrate:dev [-- --name <change>] [--create-only] … — applies pending migrations, then
 * `prisma migrate dev` on the configured database (DATABASE_URL, or the embedded server, started for the duration if it was
 * not running), then a down.sql beside each migration.sql it created (src/db/migrate/down-sql.ts),
 * so that `npm run migrate:rollback` can undo it, then the project's generate (Prisma 7 client and
 * model metadata; 6.19's own generate is skipped). Every argument goes to `prisma migrate dev`.
 * With --create-only, edit migration.sql and then check down.sql (npm run migrate:down-sql --
 * --force <name> rewrites it from the edited migration).
 */
import { existsSync } from 'node:fs';
import { logger } from '../src/core/logging';
import { writeDownFiles } from '../src/db/migrate/down-sql';
import { downFile } from '../src/db/migrate/history';
import { prismaPaths } from '../src/db/migrate/paths';
import { deployMigrations, listMigrations, runPrismaCli } from '../src/db/migrations';
import { generate } from '../src/db/prisma-generate';
import { withTarget } from '../src/db/open';
import { run, scriptConfig } from './cli';

run(async () => {
  const args = process.argv.slice(2);
  const schemaAt = args.indexOf('--schema');
  const paths = prismaPaths(schemaAt >= 0 ? args[schemaAt + 1] : undefined);
  const config = scriptConfig();
  process.on('SIGINT', () => undefined); // Ctrl-C reaches the CLI too; we release after it exits
  await withTarget(
    config,
    async (target) => {
      const before = new Set(listMigrations(paths.migrationsDir));
      // Migrations not applied yet go in first, as npm start would apply them: Prisma 6.19's
      // migrate dev, given pending migrations through a driver adapter, fails with "shadow DB
      // must be provided through an external factory" instead of applying them itself.
      await deployMigrations(target.url, paths.cliArgs);
      // Prisma 6.19's migrate dev would generate a 6.19 client over the application's 7.10 one.
      const skip = args.includes('--skip-generate') ? [] : ['--skip-generate'];
      await runPrismaCli(['migrate', 'dev', ...args, ...skip], target.url, { interactive: true });
      const created = listMigrations(paths.migrationsDir).filter((name) => !before.has(name));
      const written = created.length
        ? await writeDownFiles(target.url, paths.migrationsDir, { names: created, progress: (m) => logger.info(m) })
        : [];
      for (const name of written) logger.info(`wrote ${name}/down.sql (review it; npm run migrate:rollback runs it)`);
      const without = listMigrations(paths.migrationsDir).filter((name) => !existsSync(downFile(paths.migrationsDir, name)));
      if (without.length) logger.warn(`migration(s) without down.sql: ${without.join(', ')} (npm run migrate:down-sql writes them)`);
    },
    { probe: true },
  );
  if (!args.includes('--skip-generate') && !args.includes('--create-only')) {
    await generate(schemaAt >= 0 ? { schema: args[schemaAt + 1] } : {});
  }
});
