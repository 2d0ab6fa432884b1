/**
 * npm run db:adopt [-- --yes] [--replace-migrations] [--name baseline] [--schema <file>]
 * Adopts the configured database when it has tables but no Prisma migration history (Prisma's
 * baselining, src/db/migrate/adopt.ts): introspects it, writes prisma/schema.prisma with
 * Prisma-style model and field names mapped (@@map / @map) to the database's own, writes a
 * baseline migration and records it as applied. Tables and rows are not touched.
 * When prisma/migrations already holds migrations, they describe another database: it refuses,
 * unless --replace-migrations moves them aside (prisma/migrations-replaced-<time>). Asks before
 * it rewrites the schema file, unless --yes.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { logger } from '../src/core/logging';
import { introspectForAdoption, migrationName, moveMigrationsAside, writeAdoption } from '../src/db/migrate/adopt';
import { migrationStatus, readHistory } from '../src/db/migrate/history';
import { prismaPaths } from '../src/db/migrate/paths';
import { listMigrations } from '../src/db/migrations';
import { parsePgUrl, quoteIdent } from '../src/db/pg-url';
import { withClient, withTarget } from '../src/db/open';
import { describeTarget, run, scriptConfig } from './cli';
import { confirm } from './confirm';

run(async () => {
  const { values } = parseArgs({
    options: {
      yes: { type: 'boolean', short: 'y' },
      'replace-migrations': { type: 'boolean' },
      name: { type: 'string' },
      schema: { type: 'string' },
    },
    strict: true,
  });
  if (values.name !== undefined && !/^[a-z0-9_]+$/.test(values.name)) throw new Error('--name may hold a-z, 0-9 and _ only');
  const paths = prismaPaths(values.schema);
  const rel = (p: string): string => path.relative(process.cwd(), p) || '.';
  const config = scriptConfig();
  await withTarget(config, async (target) => {
    const { schema } = parsePgUrl(target.url);
    const where = describeTarget(config, target);
    logger.info(`database: ${where}, schema ${schema}`);
    const history = await withClient(target.url, (client) => readHistory(client, quoteIdent(schema)), {
      connectTimeoutMs: config.database.connectTimeoutMs,
    });
    if (history?.length) {
      const status = migrationStatus(history, paths.migrationsDir);
      throw new Error(
        `the database already has a Prisma migration history (${status.applied.length} applied): nothing to adopt; ` +
          'see npm run migrate:status (npm run migrate:clear rebuilds a history that went wrong)',
      );
    }
    const existing = listMigrations(paths.migrationsDir);
    if (existing.length && !values['replace-migrations']) {
      throw new Error(
        `${rel(paths.migrationsDir)} already holds ${existing.length} migration(s). If they built this database and only ` +
          'its history is lost, run npm run migrate:clear instead. To replace them by a baseline of this database, pass ' +
          '--replace-migrations (they are moved aside, not deleted).',
      );
    }
    const progress = (m: string): void => void logger.info(m);
    const adoption = await introspectForAdoption(target.url, paths, progress);
    logger.info(`${adoption.models} table(s) introspected`);
    for (const [from, to] of adoption.renamed) logger.info(`  ${from} → ${to} (@@map("${from}"))`);
    if (adoption.mappedFields) logger.info(`  ${adoption.mappedFields} column(s) get camelCase field names with @map`);
    if (!adoption.conventional) logger.warn("the models keep the database's names (renaming was not safe)");
    const baseline = migrationName(values.name ?? 'baseline');
    await confirm(
      `This rewrites ${rel(paths.schemaFile)} with these models` +
        (existing.length ? `, moves ${existing.length} migration(s) out of ${rel(paths.migrationsDir)}` : '') +
        `, and records the baseline ${baseline} as applied on ${where}. No table or row changes.`,
      values.yes,
    );
    if (existing.length) logger.info(`moved the old migrations to ${rel(moveMigrationsAside(paths))}`);
    await writeAdoption(target.url, paths, adoption, baseline);
    logger.info(
      `wrote ${rel(paths.schemaFile)} and ${rel(path.join(paths.migrationsDir, baseline, 'migration.sql'))}, recorded as applied`,
    );
    logger.info('next: npm run generate (Prisma client and model metadata), then npm run migrate:status');
  });
});
