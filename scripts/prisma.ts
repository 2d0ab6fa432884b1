/**
 * Runs the Prisma CLI (db pull, …) against the configured database: DATABASE_URL,
 * or the embedded server, started for the duration of the command if it was not running.
 * Usage: tsx scripts/prisma.ts <prisma arguments>
 * Not `studio`: Prisma 6.19's needs a native engine from Prisma's binary host; `npm run studio`
 * runs scripts/studio.ts instead.
 * The CLI is Prisma 6.19's, whose `migrate dev` and `migrate reset` would generate a 6.19 client
 * over the application's 7.10 one: they run with --skip-generate, then the project's generate.
 */
import { runPrismaCli } from '../src/db/migrations';
import { generate } from '../src/db/prisma-generate';
import { withTarget } from '../src/db/open';
import { run, scriptConfig } from './cli';

run(async () => {
  if (process.argv[2] === 'studio') {
    throw new Error("use npm run studio (scripts/studio.ts): Prisma 6.19's studio downloads a native engine");
  }
  const config = scriptConfig();
  const stop = (): void => undefined; // Ctrl-C reaches the CLI too; we release after it exits
  process.on('SIGINT', stop);
  const args = process.argv.slice(2);
  const generates = args[0] === 'migrate' && (args[1] === 'dev' || args[1] === 'reset') && !args.includes('--skip-generate');
  await withTarget(config, (target) => runPrismaCli(generates ? [...args, '--skip-generate'] : args, target.url, { interactive: true }), {
    probe: true,
  });
  if (generates && !args.includes('--create-only')) await generate();
});
