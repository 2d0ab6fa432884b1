/**
 * npm run create-admin -- --email a@b.c [--name "Avery Admin"] [--password "…"]
 * Creates an admin (or promotes and re-enables an existing user) on the configured database
 * and prints a new API key once, as the last line of the output.
 * --password sets or replaces the password for /auth/login; note that it stays in shell history.
 */
import { parseArgs } from 'node:util';
import { ensureAdmin } from '../src/auth/bootstrap';
import { email as emailSchema, newPassword } from '../src/auth/schemas';
import { withDatabase } from '../src/db/open';
import { logger } from '../src/core/logging';
import { run, scriptConfig } from './cli';

const USAGE = 'usage: npm run create-admin -- --email <address> [--name <name>] [--password <password>]';

function parseArguments(): { email: string; name: string | undefined; password: string | undefined } {
  const { values } = parseArgs({
    options: { email: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' } },
    strict: true,
  });
  const email = emailSchema.safeParse(values.email ?? '');
  if (!email.success) throw new Error(`--email must be an e-mail address\n${USAGE}`);
  if (values.name !== undefined && !values.name.trim()) throw new Error(`--name must not be empty\n${USAGE}`);
  if (values.password !== undefined) {
    const password = newPassword.safeParse(values.password);
    if (!password.success) throw new Error(`--password ${password.error.issues[0]?.message ?? 'is not valid'}`);
  }
  return { email: email.data, name: values.name?.trim(), password: values.password };
}

run(async () => {
  let args: ReturnType<typeof parseArguments>;
  try {
    args = parseArguments();
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
  const config = scriptConfig();
  await withDatabase(config, { poolSize: 2, applicationName: 'backendapi-create-admin' }, async (db) => {
    const result = await ensureAdmin(db.prisma, args);
    if (result.created) logger.info(`created admin ${result.user.email} (${result.user.id})`);
    else if (result.changed.length) logger.info(`updated ${result.user.email}: ${result.changed.join(', ')}`);
    else logger.info(`${result.user.email} is already an active admin`);
    logger.info(`new API key "${result.key.name}" (${result.key.prefix}…); it is shown once, store it now:`);
    process.stdout.write(`${result.key.token}\n`);
  });
});
