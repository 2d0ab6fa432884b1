/**
 * npm run migrate:status [-- --skip-drift] [--schema <file>] — the migration history of the
 * configured database against prisma/migrations: applied (and modified since), pending, failed,
 * applied but missing from the directory, which applied migrations lack a down.sql, and drift
 * (the database's tables against what the applied migrations build: `prisma db pull`, then
 * `prisma migrate diff`, which needs a temporary shadow database).
 * Exit code: 0 up to date and no drift, 2 anything to act on, 1 the check itself failed.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { logger } from '../src/core/logging';
import { downFile, migrationStatus, readHistory, type MigrationStatus } from '../src/db/migrate/history';
import { prismaPaths } from '../src/db/migrate/paths';
import { driftScript } from '../src/db/migrate/schema-diff';
import { failedMigrationAdvice } from '../src/db/migrations';
import { parsePgUrl, quoteIdent } from '../src/db/pg-url';
import { withClient, withTarget } from '../src/db/open';
import { describeTarget, run, scriptConfig } from './cli';

const when = (d: Date): string => d.toISOString().replace('T', ' ').slice(0, 19);

function report(status: MigrationStatus, migrationsDir: string): void {
  const width = Math.max(0, ...[...status.applied.map((a) => a.name), ...status.pending, ...status.missing].map((n) => n.length));
  for (const a of status.applied) {
    const notes = [
      a.modified ? 'MODIFIED since it was applied' : '',
      a.hasDown ? '' : `no ${path.relative(process.cwd(), downFile(migrationsDir, a.name))}`,
    ];
    logger.info(`  applied  ${a.name.padEnd(width)}  ${when(a.finishedAt)}  ${notes.filter(Boolean).join('; ')}`.trimEnd());
  }
  for (const name of status.pending) logger.info(`  pending  ${name}`);
  for (const f of status.failed) {
    logger.error(`  FAILED   ${f.name.padEnd(width)}  started ${when(f.startedAt)}`);
    if (f.logs) logger.error(`           ${f.logs.trim().split('\n').slice(0, 3).join('\n           ')}`);
    logger.error(`           ${failedMigrationAdvice(f.name)}`);
  }
  for (const name of status.missing)
    logger.warn(`  missing  ${name}  (applied, but not in ${path.relative(process.cwd(), migrationsDir)})`);
}

run(async () => {
  const { values } = parseArgs({ options: { 'skip-drift': { type: 'boolean' }, schema: { type: 'string' } }, strict: true });
  const paths = prismaPaths(values.schema);
  const config = scriptConfig();
  let exitCode = 0;
  await withTarget(config, async (target) => {
    const { schema } = parsePgUrl(target.url);
    logger.info(`database: ${describeTarget(config, target)}, schema ${schema}`);
    const history = await withClient(target.url, (client) => readHistory(client, quoteIdent(schema)), {
      connectTimeoutMs: config.database.connectTimeoutMs,
    });
    const status = migrationStatus(history, paths.migrationsDir);
    if (!status.hasHistoryTable) logger.info('no migration history (_prisma_migrations does not exist)');
    report(status, paths.migrationsDir);

    let drift = 'not checked (--skip-drift)';
    if (status.missing.length) drift = 'not checked: applied migrations are missing from the directory';
    else if (!values['skip-drift']) {
      try {
        const sql = await driftScript(
          target.url,
          paths.migrationsDir,
          status.applied.map((a) => a.name),
        );
        drift = sql ? 'YES' : 'none';
        if (sql) {
          logger.warn(
            'drift: the database differs from what the applied migrations build; this SQL (prisma migrate diff) would bring it back:',
          );
          logger.warn(sql.trimEnd().replace(/^/gm, '    '));
        }
      } catch (err) {
        drift = 'could not be checked';
        logger.error(`drift check failed: ${(err as Error).message}`);
        exitCode = 1;
      }
    }
    const modified = status.applied.filter((a) => a.modified).length;
    logger.info(
      `summary: ${status.applied.length} applied, ${status.pending.length} pending, ${status.failed.length} failed, ` +
        `${modified} modified, ${status.missing.length} missing; drift: ${drift}`,
    );
    const clean = !status.pending.length && !status.failed.length && !modified && !status.missing.length && drift !== 'YES';
    if (exitCode === 0 && !clean) exitCode = 2;
    if (clean && exitCode === 0) logger.info('the database is up to date');
  });
  process.exitCode = exitCode;
});
