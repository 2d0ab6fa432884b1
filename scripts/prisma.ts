/**
 * Runs the Prisma CLI (migrate dev, studio, …) against the configured database: DATABASE_URL,
 * or the embedded server, started for the duration of the command if it was not running.
 * Usage: tsx scripts/prisma.ts <prisma arguments>
 */
import { runPrismaCli } from '../src/db/migrations';
import { openDatabaseTarget } from '../src/db/target';
import { run, scriptConfig } from './cli';

run(async () => {
  const config = scriptConfig();
  const target = await openDatabaseTarget(config);
  const stop = (): void => undefined; // Ctrl-C reaches the CLI too; we release after it exits
  process.on('SIGINT', stop);
  try {
    await runPrismaCli(process.argv.slice(2), target.url, { interactive: true });
  } finally {
    await target.release();
  }
});
