/**
 * npm run migrate:clear [-- --yes] [--schema <file>] — forgets the migration history of the
 * configured database and rebuilds it from the migration files against the tables that exist:
 * the migrations whose changes are already there are recorded as applied, the rest are applied
 * (src/db/migrate/rebuild-history.ts). No table is dropped, no row lost; a database that matches
 * no prefix of the migrations is refused with the difference. Asks unless --yes.
 * (Dropping the schema and reapplying everything: npm run migrate:clear:destroy-data.)
 */
import { parseArgs } from 'node:util';
import { logger } from '../src/core/logging';
import { migrationStatus, readHistory } from '../src/db/migrate/history';
import { prismaPaths } from '../src/db/migrate/paths';
import { planHistory, rebuildHistory } from '../src/db/migrate/rebuild-history';
import { parsePgUrl, quoteIdent } from '../src/db/pg-url';
import { withClient, withTarget } from '../src/db/open';
import { describeTarget, run, scriptConfig } from './cli';
import { confirm } from './confirm';

run(async () => {
  const { values } = parseArgs({ options: { yes: { type: 'boolean', short: 'y' }, schema: { type: 'string' } }, strict: true });
  const paths = prismaPaths(values.schema);
  const config = scriptConfig();
  await withTarget(config, async (target) => {
    const { schema } = parsePgUrl(target.url);
    const where = describeTarget(config, target);
    logger.info(`database: ${where}, schema ${schema}`);
    await withClient(
      target.url,
      async (client) => {
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
      },
      { connectTimeoutMs: config.database.connectTimeoutMs },
    );
  });
});
