/**
 * Runs the Prisma CLI (db pull, …) against the configured database: DATABASE_URL,
 * or the embedded server, started for the duration of the command if it was not running.
 * Usage: tsx scripts/prisma.ts <prisma arguments>
 * Not `studio`: Prisma 6.19's needs a native engine from Prisma's binary host; `npm run studio`
 * runs scripts/studio.ts instead.
 */
import { runPrismaCli } from '../src/db/migrations';
import { openDatabaseTarget } from '../src/db/target';
import { run, scriptConfig } from './cli';

run(async () => {
  if (process.argv[2] === 'studio') {
    throw new Error("use npm run studio (scripts/studio.ts): Prisma 6.19's studio downloads a native engine");
  }
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
