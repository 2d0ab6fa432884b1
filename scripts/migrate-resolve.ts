/**
 * npm run migrate:resolve -- --applied <migration> | --rolled-back <migration> [--schema <file>]
 * Settles a failed migration in the history with Prisma's `migrate resolve`:
 *   --rolled-back  you undid what it did (or it changed nothing): `npm run migrate` runs it again;
 *   --applied      you completed it by hand: it counts as applied and is not run again.
 * `--applied` also baselines a migration that was never run (its changes are already there).
 * It changes only `_prisma_migrations`, never a table.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { logger } from '../src/core/logging';
import { migrationStatus, readHistory, type MigrationStatus } from '../src/db/migrate/history';
import { prismaPaths } from '../src/db/migrate/paths';
import { PrismaCliError, runPrismaCli } from '../src/db/migrations';
import { parsePgUrl, quoteIdent } from '../src/db/pg-url';
import { openDatabaseTarget } from '../src/db/target';
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
  const target = await openDatabaseTarget(config);
  const { config: pgConfig, schema } = parsePgUrl(target.url);
  const read = async (): Promise<MigrationStatus> => {
    const client = new pg.Client({ ...pgConfig, connectionTimeoutMillis: config.database.connectTimeoutMs });
    await client.connect();
    try {
      return migrationStatus(await readHistory(client, quoteIdent(schema)), paths.migrationsDir);
    } finally {
      await client.end();
    }
  };
  try {
    logger.info(`database: ${describeTarget(config, target)}, schema ${schema}`);
    const before = stateOf(await read(), name);
    if (before === 'unknown') throw new Error(`no migration ${name} in ${paths.migrationsDir}`);
    if (rolledBack !== undefined && before !== 'failed') {
      throw new Error(
        `${name} is ${before}, not failed: only a failed migration can be marked rolled back (to undo an applied one: npm run migrate:rollback)`,
      );
    }
    if (applied !== undefined && before === 'applied') throw new Error(`${name} is already applied`);
    const flag = applied !== undefined ? '--applied' : '--rolled-back';
    try {
      await runPrismaCli(['migrate', 'resolve', flag, name, ...paths.cliArgs], target.url);
    } catch (err) {
      throw err instanceof PrismaCliError ? new Error(`prisma migrate resolve ${flag} ${name} failed:\n${err.output.trim()}`) : err;
    }
    const after = await read();
    logger.info(`${name}: ${before} → ${applied !== undefined ? 'applied' : 'rolled back (pending)'}`);
    logger.info(
      `now ${after.applied.length} applied, ${after.pending.length} pending, ${after.failed.length} failed` +
        (after.pending.length ? ' (npm run migrate applies the pending ones)' : ''),
    );
  } finally {
    await target.release();
  }
});
