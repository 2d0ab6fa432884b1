/**
 * The embedded PostgreSQL: PGlite (PostgreSQL compiled to WASM) served over the wire protocol
 * on a loopback port by its own detached process (src/db/embedded-server.ts), so that the app,
 * the migrate CLI and Prisma Studio can all connect to it at once. Data lives in `<dir>/pgdata`;
 * `<dir>/server.json` says which process serves it.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface EmbeddedOptions {
  dir: string;
  port: number;
  /** How long to wait for a new server (the first start creates the database: ~10 s). */
  startTimeoutMs?: number;
}

export interface EmbeddedServerState {
  pid: number;
  port: number;
  status: 'starting' | 'ready';
}

export interface EmbeddedHandle {
  url: string;
  /** True when this call started the server (and so its caller should stop it). */
  startedHere: boolean;
  stop(): Promise<void>;
}

export const stateFile = (dir: string): string => path.join(dir, 'server.json');
export const embeddedUrl = (port: number): string => `postgresql://postgres:postgres@127.0.0.1:${port}/postgres`;

export function readState(dir: string): EmbeddedServerState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(dir), 'utf8')) as EmbeddedServerState;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
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

/** Starts the embedded server unless one already serves `dir`; resolves when it accepts connections. */
export async function ensureEmbeddedServer(options: EmbeddedOptions): Promise<EmbeddedHandle> {
  const { dir } = options;
  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  const running = readState(dir);
  let startedHere = false;
  let child: ReturnType<typeof spawn> | undefined;
  let exited: number | null | undefined;

  if (!running || !isAlive(running.pid)) {
    mkdirSync(dir, { recursive: true });
    const log = openSync(path.join(dir, 'server.log'), 'a');
    const entry = path.join(__dirname, `embedded-server${path.extname(__filename)}`);
    // Under tsx (npm start, tests) the entry is TypeScript; compiled builds run it as is.
    const loader = entry.endsWith('.ts') ? ['--require', require.resolve('tsx/cjs')] : [];
    child = spawn(process.execPath, [...loader, entry, '--dir', dir, '--port', String(options.port)], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    child.on('exit', (code) => (exited = code));
    child.unref();
    startedHere = true;
  }

  for (;;) {
    const state = readState(dir);
    if (state?.status === 'ready' && isAlive(state.pid) && (await canConnect(state.port))) {
      return { url: embeddedUrl(state.port), startedHere, stop: async () => void (await stopEmbeddedServer(dir)) };
    }
    if (exited !== undefined) {
      throw new Error(`the embedded database server exited (code ${String(exited)}); see ${path.join(dir, 'server.log')}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`the embedded database server did not start in time; see ${path.join(dir, 'server.log')}`);
    }
    await sleep(100);
  }
}

/** Stops the server that serves `dir`, if any. Resolves once its process is gone. */
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
