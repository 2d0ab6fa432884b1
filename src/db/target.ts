/**
 * Which PostgreSQL to use: the one in DATABASE_URL when set (through an SSH tunnel when
 * DATABASE_SSH_HOST is set), otherwise the embedded server (started if needed). The app and
 * every script resolve the database here.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { Config, SshConfig } from '../core/config';
import { logger } from '../core/logging';
import { ensureEmbeddedServer, keepEmbeddedServer } from './embedded';
import { readKnownHosts } from './known-hosts';
import { parsePgUrl, redactUrl } from './pg-url';
import { openSshTunnel, type SshTunnel, type SshTunnelOptions } from './tunnel';

export interface DatabaseTarget {
  /** The URL to connect to (through the tunnel: 127.0.0.1 and the tunnel's local port). */
  url: string;
  kind: 'external' | 'embedded';
  /** Set when the database is reached through the SSH tunnel. */
  tunnel?: SshTunnel;
  /** The most connections a pool may open to it (unset: DATABASE_POOL_SIZE decides). */
  maxConnections?: number;
  /** Undoes what opening did: closes the tunnel, or gives up this process's use of the embedded server. */
  release(): Promise<void>;
}

function readPrivateKey(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`cannot read DATABASE_SSH_PRIVATE_KEY_PATH (${path}): ${(err as Error).message}`, { cause: err });
  }
}

/** The tunnel's options from the configuration; the destination is DATABASE_URL's host and port. */
export function tunnelOptions(ssh: SshConfig, databaseUrl: string): SshTunnelOptions {
  const url = new URL(databaseUrl);
  const destination = { host: url.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost', port: Number(url.port || 5432) };
  if (ssh.insecureAcceptAnyHostKey) {
    logger.warn(`DATABASE_SSH_INSECURE_ACCEPT_ANY_HOST_KEY=true: the host key of ${ssh.host} is NOT verified (development only)`);
  }
  return {
    ssh: {
      host: ssh.host,
      port: ssh.port,
      username: ssh.user,
      privateKey: readPrivateKey(ssh.privateKeyPath),
      passphrase: ssh.passphrase,
      knownHosts:
        ssh.insecureAcceptAnyHostKey || !ssh.knownHostsPath ? 'accept-any' : readKnownHosts(ssh.knownHostsPath, ssh.host, ssh.port),
    },
    destination,
  };
}

/** DATABASE_URL with its host and port replaced by the tunnel's local end. */
export function throughTunnel(databaseUrl: string, tunnel: SshTunnel): string {
  const url = new URL(databaseUrl);
  url.hostname = tunnel.localHost;
  url.port = String(tunnel.localPort);
  return url.toString();
}

/**
 * A DATABASE_URL may point at a PGlite server too (an embedded server started by another
 * command, the test suite's): it gets one connection, like the embedded target. Asked with
 * `SELECT version()` over the simple protocol; when the server cannot be reached yet, nothing is
 * capped (the app starts and its readiness reports the database).
 */
async function oneSessionServer(url: string): Promise<Pick<DatabaseTarget, 'maxConnections'>> {
  const client = new pg.Client({ ...parsePgUrl(url).config, connectionTimeoutMillis: 3_000, application_name: 'backendapi-probe' });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ version: string }>('SELECT version()');
    return /PGlite/i.test(rows[0]?.version ?? '') ? { maxConnections: EMBEDDED_MAX_CONNECTIONS } : {};
  } catch {
    return {};
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** See DatabaseTarget.maxConnections for the embedded server. */
export const EMBEDDED_MAX_CONNECTIONS = 1;

/** The pool size for a target: DATABASE_POOL_SIZE, capped by what the target can serve. */
export function poolSizeFor(target: Pick<DatabaseTarget, 'maxConnections'>, configured: number): number {
  return Math.min(configured, target.maxConnections ?? configured);
}

export async function openDatabaseTarget(config: Readonly<Config>): Promise<DatabaseTarget> {
  const { url, ssh } = config.database;
  if (url && ssh) {
    const started = Date.now();
    const tunnel = await openSshTunnel(tunnelOptions(ssh, url));
    logger.info(`SSH tunnel open: ${tunnel.localHost}:${tunnel.localPort} via ${tunnel.label}`, { ms: Date.now() - started });
    return { url: throughTunnel(url, tunnel), kind: 'external', tunnel, release: () => tunnel.close() };
  }
  if (url) {
    return { url, kind: 'external', ...(await oneSessionServer(url)), release: async () => {} };
  }
  const started = Date.now();
  const embedded = await ensureEmbeddedServer(config.embedded);
  const kept = keepEmbeddedServer(config.embedded, embedded, (error) =>
    error
      ? logger.error(`the embedded PostgreSQL server stopped and could not be started again: ${error.message}`)
      : logger.warn(`the embedded PostgreSQL server had stopped; started it again on port ${config.embedded.port}`),
  );
  logger.info(
    `${embedded.startedHere ? 'started' : 'using running'} embedded PostgreSQL at ${redactUrl(embedded.url)} (data in ${config.embedded.dir})`,
    { ms: Date.now() - started },
  );
  return {
    url: embedded.url,
    kind: 'embedded',
    // PGlite is one session: pglite-socket queues its clients' protocol messages one by one, so
    // two connections' Parse/Bind/Execute interleave and clobber each other's unnamed statement
    // ("unnamed prepared statement does not exist", or rows of the other query) —
    // electric-sql/pglite#1046. One connection keeps every request's statements whole.
    maxConnections: EMBEDDED_MAX_CONNECTIONS,
    // The server stops when its last user releases it (src/db/embedded.ts).
    release: () => kept.release(),
  };
}
