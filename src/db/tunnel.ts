/**
 * The SSH tunnel to a database behind a bastion (DATABASE_SSH_*): a local forward on
 * 127.0.0.1 through the bastion to the database's host and port, built with tunnel-ssh (ssh2).
 *
 * Recovery: ssh2 keepalives detect a dead bastion; when the SSH connection drops, the local
 * listener is closed (new database connections are refused at once, so requests fail fast
 * with 503 instead of hanging), open forwarded sockets are destroyed (the pool drops them),
 * and the tunnel is re-opened with capped exponential backoff on the SAME local port, so the
 * pg pool, whose URL points at that port, reconnects by itself.
 */
import net from 'node:net';
import type { Client, ConnectConfig } from 'ssh2';
import { createTunnel } from 'tunnel-ssh';
import { logger } from '../core/logging';
import type { CheckResult } from './health';
import { verifyHostKey, type KnownHostKey } from './known-hosts';

export interface SshTunnelOptions {
  ssh: {
    host: string;
    port: number;
    username: string;
    privateKey: Buffer | string;
    passphrase?: string;
    /** The bastion's known keys; 'accept-any' disables verification (development only). */
    knownHosts: KnownHostKey[] | 'accept-any';
  };
  /** Where the bastion forwards to: the database's host and port as the bastion sees them. */
  destination: { host: string; port: number };
  /** 0 (default): an ephemeral port, kept across reconnects. */
  localPort?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  readyTimeoutMs?: number;
  reconnectInitialDelayMs?: number;
  reconnectMaxDelayMs?: number;
}

export type TunnelState = 'open' | 'reconnecting' | 'closed';

export interface SshTunnel {
  readonly localHost: string;
  /** Stable for the tunnel's life, across reconnects. */
  readonly localPort: number;
  /** `user@bastion:port → host:port`, for the log (never for /readyz). */
  readonly label: string;
  state(): { state: TunnelState; since: Date; reconnects: number; lastError?: string };
  /** For /readyz. */
  check(): CheckResult;
  close(): Promise<void>;
}

const LOCAL_HOST = '127.0.0.1';

/** Whether the port can be bound right now (tunnel-ssh leaks its SSH connection when it cannot). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host: LOCAL_HOST, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

class Tunnel implements SshTunnel {
  readonly localHost = LOCAL_HOST;
  localPort: number;
  private current: { server: net.Server; client: Client } | undefined;
  private readonly sockets = new Set<net.Socket>();
  private status: TunnelState = 'reconnecting';
  private since = new Date();
  private reconnects = 0;
  private failures = 0;
  private lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  readonly label: string;

  constructor(private readonly options: SshTunnelOptions) {
    this.localPort = options.localPort ?? 0;
    const { ssh, destination } = options;
    this.label = `${ssh.username}@${ssh.host}:${ssh.port} → ${destination.host}:${destination.port}`;
  }

  state(): ReturnType<SshTunnel['state']> {
    return { state: this.status, since: this.since, reconnects: this.reconnects, lastError: this.lastError };
  }

  check(): CheckResult {
    // Public (/readyz): no host, user or error text; those are in the log lines of the tunnel.
    if (this.status === 'open') return { name: 'tunnel', ok: true, detail: 'open' };
    const down = Math.round((Date.now() - this.since.getTime()) / 1000);
    return { name: 'tunnel', ok: false, detail: `${this.status} for ${down} s` };
  }

  /** One attempt to open the SSH connection and the local listener. */
  async connect(): Promise<void> {
    const { ssh, destination } = this.options;
    let hostKeyProblem: string | undefined;
    const config: ConnectConfig = {
      host: ssh.host,
      port: ssh.port,
      username: ssh.username,
      privateKey: ssh.privateKey,
      passphrase: ssh.passphrase,
      keepaliveInterval: this.options.keepaliveIntervalMs ?? 5_000,
      keepaliveCountMax: this.options.keepaliveCountMax ?? 3,
      readyTimeout: this.options.readyTimeoutMs ?? 10_000,
    };
    const known = ssh.knownHosts;
    if (known !== 'accept-any') {
      config.hostVerifier = (key: Buffer) => {
        const verdict = verifyHostKey(known, key, ssh.host, ssh.port);
        if (!verdict.ok) hostKeyProblem = verdict.reason;
        return verdict.ok;
      };
    }
    if (this.localPort && !(await portIsFree(this.localPort))) {
      throw new Error(`local port ${LOCAL_HOST}:${this.localPort} is taken by another process`);
    }
    // tunnel-ssh adds a process 'uncaughtException' listener while it binds and leaves it
    // behind when binding fails; such a listener would keep real crashes from crashing.
    const listenersBefore = new Set(process.listeners('uncaughtException'));
    let server: net.Server;
    let client: Client;
    try {
      [server, client] = await createTunnel(
        { autoClose: false, reconnectOnError: false },
        { host: LOCAL_HOST, port: this.localPort },
        config,
        { dstAddr: destination.host, dstPort: destination.port },
      );
    } catch (err) {
      for (const listener of process.listeners('uncaughtException')) {
        if (!listenersBefore.has(listener)) process.removeListener('uncaughtException', listener);
      }
      const message = hostKeyProblem ?? (err as Error).message;
      throw new Error(`SSH tunnel to ${this.label} failed: ${message}`, { cause: err });
    }
    this.localPort = (server.address() as net.AddressInfo).port;
    const pair = { server, client };
    this.current = pair;
    server.on('connection', (socket: net.Socket) => {
      this.sockets.add(socket);
      // tunnel-ssh pipes the socket without an error listener: a reset must not crash us.
      socket.on('error', () => socket.destroy());
      socket.on('close', () => this.sockets.delete(socket));
    });
    // tunnel-ssh keeps its own 'error' listeners on both, so no error event goes unhandled.
    client.on('error', (err: Error) => (this.lastError = err.message));
    server.on('error', (err: Error) => (this.lastError = err.message));
    client.on('close', () => this.lost(pair, 'the SSH connection closed'));
    // tunnel-ssh closes the listener when a forward fails (e.g. the database refused).
    server.on('close', () => this.lost(pair, 'the local listener closed'));
    this.setStatus('open');
  }

  private setStatus(status: TunnelState): void {
    if (this.status !== status) this.since = new Date();
    this.status = status;
  }

  private dropConnections(pair: { server: net.Server; client: Client }): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    pair.server.close();
    pair.client.end();
  }

  private lost(pair: { server: net.Server; client: Client }, why: string): void {
    if (this.current !== pair) return;
    this.current = undefined;
    this.lastError ??= why;
    logger.warn(`SSH tunnel lost (${why}${this.lastError !== why ? `: ${this.lastError}` : ''}); reconnecting`, {
      tunnel: this.label,
    });
    this.dropConnections(pair);
    this.setStatus('reconnecting');
    this.failures = 0;
    this.schedule();
  }

  private schedule(): void {
    if (this.status === 'closed') return;
    const initial = this.options.reconnectInitialDelayMs ?? 500;
    const max = this.options.reconnectMaxDelayMs ?? 10_000;
    const delay = Math.min(max, initial * 2 ** this.failures);
    this.timer = setTimeout(() => void this.retry(), delay);
  }

  private async retry(): Promise<void> {
    if (this.status === 'closed') return;
    try {
      await this.connect();
      // close() may have run while connecting
      if ((this.status as TunnelState) === 'closed') {
        if (this.current) this.dropConnections(this.current);
        return;
      }
      this.reconnects++;
      this.lastError = undefined;
      logger.info(`SSH tunnel re-established on ${LOCAL_HOST}:${this.localPort}`, { tunnel: this.label, attempts: this.failures + 1 });
    } catch (err) {
      this.failures++;
      this.lastError = (err as Error).message;
      logger.warn(`SSH tunnel still down (attempt ${this.failures}): ${this.lastError}`);
      this.schedule();
    }
  }

  async close(): Promise<void> {
    if (this.status === 'closed') return;
    this.setStatus('closed');
    clearTimeout(this.timer);
    const pair = this.current;
    this.current = undefined;
    if (!pair) return;
    const closed = new Promise<void>((resolve) => pair.server.once('close', () => resolve()));
    this.dropConnections(pair);
    await closed;
  }
}

/**
 * Opens the tunnel; rejects (with the reason: refused host key, authentication, unreachable
 * bastion) when the first attempt fails. Later drops are retried without end until close().
 */
export async function openSshTunnel(options: SshTunnelOptions): Promise<SshTunnel> {
  const tunnel = new Tunnel(options);
  await tunnel.connect();
  return tunnel;
}
