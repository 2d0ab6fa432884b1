/**
 * npm run migrate:rollback [-- --steps N | --to <migration>] [--yes] [--force] [--schema <file>]
 * Undoes the newest applied migration (or N of them, or every one after <migration>) with their
 * down.sql files, newest first, in one transaction, and removes them from the migration history
 * so that `npm run migrate` applies them again (src/db/migrate/rollback.ts). Refuses, changing
 * nothing, when a down.sql is missing. Warns about every table and column with data that a
 * down.sql drops, and asks before it runs (unless --yes); refused with NODE_ENV=production
 * unless --force.
 */
import { parseArgs } from 'node:util';
import { logger } from '../src/core/logging';
import { dataLoss, describeLoss } from '../src/db/migrate/data-loss';
import { migrationStatus, readHistory } from '../src/db/migrate/history';
import { prismaPaths } from '../src/db/migrate/paths';
import { planRollback, runRollback } from '../src/db/migrate/rollback';
import { parsePgUrl, quoteIdent } from '../src/db/pg-url';
import { withClient, withTarget } from '../src/db/open';
import { describeTarget, refuseInProduction, run, scriptConfig } from './cli';
import { confirm } from './confirm';

const USAGE = 'usage: npm run migrate:rollback [-- --steps N | --to <migration>] [--yes] [--force]';

function selection(values: { steps?: string; to?: string }): { steps?: number; to?: string } {
  if (values.steps !== undefined && values.to !== undefined) throw new Error(`pass --steps or --to, not both\n${USAGE}`);
  if (values.to !== undefined) return { to: values.to };
  const steps = values.steps === undefined ? 1 : Number(values.steps);
  if (!/^\d+$/.test(values.steps ?? '1') || steps < 1) throw new Error(`--steps must be a positive integer\n${USAGE}`);
  return { steps };
}

run(async () => {
  const { values } = parseArgs({
    options: {
      steps: { type: 'string' },
      to: { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      force: { type: 'boolean' },
      schema: { type: 'string' },
    },
    strict: true,
  });
  const chosen = selection(values);
  const paths = prismaPaths(values.schema);
  const config = scriptConfig();
  refuseInProduction(config, values.force, 'roll back migrations');
  await withTarget(config, async (target) => {
    const { schema } = parsePgUrl(target.url);
    const where = describeTarget(config, target);
    logger.info(`database: ${where}, schema ${schema}`);
    await withClient(
      target.url,
      async (client) => {
        const status = migrationStatus(await readHistory(client, quoteIdent(schema)), paths.migrationsDir);
        const steps = planRollback(status, paths.migrationsDir, chosen);
        for (const a of status.applied.filter((x) => x.modified && steps.some((s) => s.name === x.name))) {
          logger.warn(`${a.name}: migration.sql changed since it was applied; its down.sql may not match what the database holds`);
        }
        const losses = [];
        for (const step of steps) {
          logger.info(`rolling back ${step.name}`);
          for (const loss of await dataLoss(client, step.sql)) {
            losses.push(loss);
            logger.warn(`  its down.sql drops data: ${describeLoss(loss)}`);
          }
        }
        await confirm(
          `This runs the down.sql of ${steps.length} migration(s) on ${where}` +
            (losses.length ? `, DESTROYING the data listed above (${losses.length} table(s)/column(s)).` : '.'),
          values.yes,
        );
        const started = Date.now();
        await runRollback(client, quoteIdent(schema), steps);
        const after = migrationStatus(await readHistory(client, quoteIdent(schema)), paths.migrationsDir);
        logger.info(
          `rolled back ${steps.map((s) => s.name).join(', ')} in ${Date.now() - started} ms (one transaction); ` +
            `now ${after.applied.length} applied, ${after.pending.length} pending (npm run migrate applies them again)`,
        );
      },
      { connectTimeoutMs: config.database.connectTimeoutMs, applicationName: 'backendapi-rollback' },
    );
  });
});
