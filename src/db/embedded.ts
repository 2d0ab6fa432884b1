/**
 * The embedded PostgreSQL: PGlite (PostgreSQL compiled to WASM) served over the wire protocol
 * on a loopback port by its own detached process (src/db/embedded-server.ts), so that the app,
 * the migrate CLI and Prisma Studio can all connect to it at once. Data lives in `<dir>/pgdata`;
 * `<dir>/server.json` says which process serves it.
 *
 * The server lives as long as any of its users: each process that uses it holds a lease, a file
 * `<dir>/clients/<pid>-<n>`, from before it looks for the server until it releases it. The server
 * stops itself once no lease belongs to a live process (src/db/embedded-leases.ts), so the
 * process that happened to start it may exit first without taking it away from the others.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, liveLeases, takeLease } from './embedded-leases';

export { isAlive };

export interface EmbeddedOptions {
  dir: string;
  port: number;
  /** How long to wait for a new server (the first start creates the database: ~10 s). */
  startTimeoutMs?: number;
}

export interface EmbeddedServerState {
  pid: number;
  port: number;
  /** `stopping`: it found no users and is shutting down; a new user waits and starts another. */
  status: 'starting' | 'ready' | 'stopping';
}

export interface EmbeddedHandle {
  url: string;
  /** True when this call started the server. */
  startedHere: boolean;
  /** Gives up this process's lease; the server stops if no other user is left. */
  release(): Promise<void>;
  /** Stops the server now, whoever else uses it. */
  stop(): Promise<void>;
}

/** The server's exit code when another server already serves the directory. */
export const ALREADY_SERVED = 3;

export const stateFile = (dir: string): string => path.join(dir, 'server.json');
export const embeddedUrl = (port: number): string => `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;

export function readState(dir: string): EmbeddedServerState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(dir), 'utf8')) as EmbeddedServerState;
  } catch {
    return undefined;
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function spawnServer(options: EmbeddedOptions): { exited: () => number | null | undefined } {
  mkdirSync(options.dir, { recursive: true });
  const log = openSync(path.join(options.dir, 'server.log'), 'a');
  const entry = path.join(__dirname, `embedded-server${path.extname(__filename)}`);
  // Under tsx (npm start, tests) the entry is TypeScript; compiled builds run it as is.
  const loader = entry.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs')] : [];
  const child = spawn(process.execPath, [...loader, entry, '--dir', options.dir, '--port', String(options.port)], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  let code: number | null | undefined;
  child.on('exit', (c) => (code = c));
  child.unref();
  return { exited: () => code };
}

/**
 * Takes a lease, then starts the embedded server unless one already serves `dir`; resolves
 * when it accepts connections. A server that is stopping is waited for and replaced.
 */
export async function ensureEmbeddedServer(options: EmbeddedOptions): Promise<EmbeddedHandle> {
  const { dir } = options;
  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  // The lease comes first: a server that checks for users from now on sees this one.
  const lease = takeLease(dir);
  let startedHere = false;
  let child: ReturnType<typeof spawnServer> | undefined;
  try {
    for (;;) {
      const state = readState(dir);
      const running = state !== undefined && isAlive(state.pid);
      if (running && state.status === 'ready' && (await canConnect(state.port))) {
        return {
          url: embeddedUrl(state.port),
          startedHere,
          release: () => releaseLease(dir, lease),
          stop: async () => void (await stopEmbeddedServer(dir)),
        };
      }
      const exited = child?.exited();
      if (exited !== undefined && exited !== ALREADY_SERVED) {
        throw new Error(`the embedded database server exited (code ${String(exited)}); see ${path.join(dir, 'server.log')}`);
      }
      // Nobody serves the directory (or the last server is gone) and no start of ours is pending.
      if (!running && (child === undefined || exited !== undefined)) {
        child = spawnServer(options);
        startedHere = true;
      }
      if (Date.now() > deadline) {
        throw new Error(`the embedded database server did not start in time; see ${path.join(dir, 'server.log')}`);
      }
      await sleep(100);
    }
  } catch (err) {
    lease.release();
    throw err;
  }
}

/**
 * Gives up a lease and tells the server to count its users again (SIGUSR2); when this was the
 * last one, waits until the server has stopped, so that a command leaves nothing behind.
 */
async function releaseLease(dir: string, lease: { release(): void }, timeoutMs = 30_000): Promise<void> {
  lease.release();
  const state = readState(dir);
  if (!state || !isAlive(state.pid)) return;
  process.kill(state.pid, 'SIGUSR2');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(state.pid) && liveLeases(dir) === 0 && Date.now() < deadline) await sleep(50);
}

/**
 * For a long-running user (the app, Studio): if the server goes away all the same (killed,
 * crashed, `npm run db:stop -- --force`), it is started again on the same port within about a
 * second, and connection pools reconnect by themselves. `release` ends the watch and the lease.
 */
export function keepEmbeddedServer(
  options: EmbeddedOptions,
  first: EmbeddedHandle,
  onRestart: (error?: Error) => void = () => undefined,
): { release(): Promise<void> } {
  let current = first;
  let restarting = false;
  const timer = setInterval(() => {
    const state = readState(options.dir);
    if (restarting || (state !== undefined && isAlive(state.pid))) return;
    restarting = true;
    // Something may still serve the port without its state file (the data directory was removed
    // under it): then leave it be rather than start a second server that cannot listen.
    canConnect(options.port)
      .then((served) => (served ? undefined : restart()))
      .finally(() => (restarting = false));
  }, 1_000);
  const restart = (): Promise<void> =>
    ensureEmbeddedServer(options).then(
      (handle) => {
        const previous = current;
        current = handle;
        onRestart();
        return previous.release();
      },
      (err: unknown) => onRestart(err as Error),
    );
  timer.unref();
  return {
    release: async () => {
      clearInterval(timer);
      await current.release();
    },
  };
}

/** Stops the server that serves `dir`, if any, whoever uses it. Resolves once its process is gone. */
export async function stopEmbeddedServer(dir: string, timeoutMs = 30_000): Promise<boolean> {
  const state = readState(dir);
  if (!state || !isAlive(state.pid)) return false;
  process.kill(state.pid, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(state.pid)) {
    if (Date.now() > deadline) throw new Error(`the embedded database server (pid ${state.pid}) did not stop in time`);
    await sleep(100);
  }
  return true;
}

export const embeddedDataExists = (dir: string): boolean => existsSync(path.join(dir, 'pgdata'));
