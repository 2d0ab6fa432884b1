/**
 * npm run migrate:resolve -- --applied <migration> | --rolled-back <migration> [--schema <file>]
 * Settles a failed migration in the history as Prisma's `migrate resolve` does:
 *   --rolled-back  you undid what it did (or it changed nothing): `npm run migrate` runs it again;
 *   --applied      you completed it by hand: it counts as applied and is not run again.
 * `--applied` also baselines a migration that was never run (its changes are already there).
 * It changes only `_prisma_migrations`, never a table.
 */
import { parseArgs } from 'node:util';
import { logger } from '../src/core/logging';
import { migrationStatus, readHistory, type MigrationStatus } from '../src/db/migrate/history';
import { prismaPaths } from '../src/db/migrate/paths';
import { PrismaCliError, runPrismaCli } from '../src/db/migrations';
import { parsePgUrl, quoteIdent } from '../src/db/pg-url';
import { withClient, withTarget } from '../src/db/open';
import { describeTarget, run, scriptConfig } from './cli';

const USAGE = 'usage: npm run migrate:resolve -- --applied <migration> | --rolled-back <migration>';

function stateOf(status: MigrationStatus, name: string): string {
  if (status.applied.some((a) => a.name === name)) return 'applied';
  if (status.failed.some((f) => f.name === name)) return 'failed';
  if (status.pending.includes(name)) return 'pending';
  return 'unknown';
}

run(async () => {
  const { values } = parseArgs({
    options: { applied: { type: 'string' }, 'rolled-back': { type: 'string' }, schema: { type: 'string' } },
    strict: true,
  });
  const applied = values.applied;
  const rolledBack = values['rolled-back'];
  if ((applied === undefined) === (rolledBack === undefined)) throw new Error(`pass exactly one of --applied and --rolled-back\n${USAGE}`);
  const name = (applied ?? rolledBack) as string;
  const paths = prismaPaths(values.schema);
  const config = scriptConfig();
  await withTarget(config, async (target) => {
    const { schema } = parsePgUrl(target.url);
    const connected = { connectTimeoutMs: config.database.connectTimeoutMs };
    const read = (): Promise<MigrationStatus> =>
      withClient(target.url, async (c) => migrationStatus(await readHistory(c, quoteIdent(schema)), paths.migrationsDir), connected);
    logger.info(`database: ${describeTarget(config, target)}, schema ${schema}`);
    const before = stateOf(await read(), name);
    if (before === 'unknown') throw new Error(`no migration ${name} in ${paths.migrationsDir}`);
    if (rolledBack !== undefined && before !== 'failed') {
      throw new Error(
        `${name} is ${before}, not failed: only a failed migration can be marked rolled back (to undo an applied one: npm run migrate:rollback)`,
      );
    }
    if (applied !== undefined && before === 'applied') throw new Error(`${name} is already applied`);
    if (applied !== undefined) {
      try {
        await runPrismaCli(['migrate', 'resolve', '--applied', name, ...paths.cliArgs], target.url);
      } catch (err) {
        throw err instanceof PrismaCliError ? new Error(`prisma migrate resolve --applied ${name} failed:\n${err.output.trim()}`) : err;
      }
    } else {
      // What `prisma migrate resolve --rolled-back` does (the schema engine's markMigrationRolledBack).
      // The 6.19 CLI first checks the database with the native schema engine even when a driver
      // adapter is configured (it does not for --applied), and that engine is not installed here.
      await withClient(
        target.url,
        (c) =>
          c.query(
            `UPDATE ${quoteIdent(schema)}."_prisma_migrations" SET rolled_back_at = now()
              WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL`,
            [name],
          ),
        connected,
      );
    }
    const after = await read();
    logger.info(`${name}: ${before} → ${applied !== undefined ? 'applied' : 'rolled back (pending)'}`);
    logger.info(
      `now ${after.applied.length} applied, ${after.pending.length} pending, ${after.failed.length} failed` +
        (after.pending.length ? ' (npm run migrate applies the pending ones)' : ''),
    );
  });
});
