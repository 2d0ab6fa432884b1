/**
 * When the database cannot be reached, say which one (its URL, password redacted) and which
 * variables choose it, rather than a bare "connect ECONNREFUSED". Used by src/main.ts and every
 * script (scripts/cli.ts).
 */
import pg from 'pg';
import type { Config } from '../core/config';
import { isDatabaseUnavailable } from './errors';
import { embeddedUrl } from './embedded';
import { parsePgUrl, redactUrl } from './pg-url';

/** SQLSTATEs of a database that answers but cannot be used as configured: bad login, no such database. */
const MISCONFIGURED_SQLSTATES = /^(28|3D)/;

function sqlstateOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; meta?: { driverAdapterError?: { cause?: { originalCode?: unknown } } } };
  const code = e?.meta?.driverAdapterError?.cause?.originalCode ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Which database the configuration selects, and what to check when it cannot be used. */
export function describeDatabase(config: Readonly<Config>): { target: string; fix: string } {
  const { url, ssh } = config.database;
  if (url && ssh) {
    return {
      target: `${redactUrl(url)} through the SSH bastion ${ssh.host}:${ssh.port}`,
      fix: 'check DATABASE_URL (its host and port as the bastion sees them) and DATABASE_SSH_HOST, DATABASE_SSH_PORT, DATABASE_SSH_USER',
    };
  }
  if (url) return { target: redactUrl(url), fix: 'check DATABASE_URL, or unset it to use the embedded database' };
  return {
    target: `the embedded database ${redactUrl(embeddedUrl(config.embedded.port))}`,
    fix:
      `check EMBEDDED_DB_PORT and EMBEDDED_DB_DIR (${config.embedded.dir}; its server.log says more), ` +
      'or set DATABASE_URL to use another PostgreSQL',
  };
}

/** An error that names the database and what to fix, when `err` means it cannot be reached or used; else undefined. */
export function explainDatabaseError(err: unknown, config: Readonly<Config>): Error | undefined {
  const code = sqlstateOf(err);
  if (!isDatabaseUnavailable(err) && !(code && MISCONFIGURED_SQLSTATES.test(code))) return undefined;
  const message = (err as { message?: unknown }).message;
  const reason = typeof message === 'string' ? message.trim().split('\n').filter(Boolean).pop() : String(err);
  const { target, fix } = describeDatabase(config);
  return new Error(`cannot use the database ${target} (${reason}): ${fix}`, { cause: err });
}

/** Connects once and disconnects: throws the driver's error when the database cannot be used. */
export async function probeDatabase(url: string, timeoutMs = 5_000): Promise<void> {
  const client = new pg.Client({ ...parsePgUrl(url).config, connectionTimeoutMillis: timeoutMs, application_name: 'backendapi-probe' });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } finally {
    await client.end().catch(() => undefined);
  }
}
