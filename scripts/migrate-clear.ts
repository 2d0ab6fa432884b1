/**
 * npm run migrate:clear [-- --yes] [--schema <file>] — forgets the migration history of the
 * configured database and rebuilds it from the migration files against the tables that exist:
 * the migrations whose changes are already there are recorded as applied, the rest are applied
 * (src/db/migrate/rebuild-history.ts). No table is dropped, no row lost; a database that matches
 * no prefix of the migrations is refused with the difference. Asks unless --yes.
 * (Dropping the schema and reapplying everything: npm run migrate:clear:destroy-data.)
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { logger } from '../src/core/logging';
import { migrationStatus, readHistory } from '../src/db/migrate/history';
import { prismaPaths } from '../src/db/migrate/paths';
import { planHistory, rebuildHistory } from '../src/db/migrate/rebuild-history';
import { parsePgUrl, quoteIdent } from '../src/db/pg-url';
import { openDatabaseTarget } from '../src/db/target';
import { describeTarget, run, scriptConfig } from './cli';
import { confirm } from './confirm';

run(async () => {
  const { values } = parseArgs({ options: { yes: { type: 'boolean', short: 'y' }, schema: { type: 'string' } }, strict: true });
  const paths = prismaPaths(values.schema);
  const config = scriptConfig();
  const target = await openDatabaseTarget(config);
  const { config: pgConfig, schema } = parsePgUrl(target.url);
  const client = new pg.Client({ ...pgConfig, connectionTimeoutMillis: config.database.connectTimeoutMs });
  client.on('error', () => undefined);
  try {
    const where = describeTarget(config, target);
    logger.info(`database: ${where}, schema ${schema}`);
    await client.connect();
    const before = migrationStatus(await readHistory(client, quoteIdent(schema)), paths.migrationsDir);
    logger.info(`history now: ${before.rows} row(s); ${before.applied.length} applied, ${before.failed.length} failed`);
    const started = Date.now();
    const progress = (m: string): void => void logger.info(m);
    const plan = await planHistory(target.url, paths.migrationsDir, before.applied.length, progress);
    logger.info(`the tables hold ${plan.present.length} migration(s): ${plan.present.join(', ') || 'none'}`);
    if (plan.toApply.length) logger.info(`to apply: ${plan.toApply.join(', ')}`);
    await confirm(
      `This forgets the migration history of ${where} (${before.rows} row(s)) and rebuilds it as above. Tables and data stay.`,
      values.yes,
    );
    await rebuildHistory(client, quoteIdent(schema), target.url, plan, paths.cliArgs, progress);
    const after = migrationStatus(await readHistory(client, quoteIdent(schema)), paths.migrationsDir);
    logger.info(
      `history rebuilt in ${Date.now() - started} ms: ${plan.present.length} recorded as applied, ${plan.toApply.length} applied; ` +
        `now ${after.applied.length} applied, ${after.pending.length} pending`,
    );
    if (after.pending.length || after.failed.length) throw new Error('the history is not complete; see npm run migrate:status');
  } finally {
    await client.end().catch(() => undefined);
    await target.release();
  }
});
