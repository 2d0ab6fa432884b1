/**
 * The embedded PostgreSQL server process (started detached by src/db/embedded.ts).
 * Usage: embedded-server --dir <data dir> --port <port>
 * It claims `<dir>/server.json` atomically, so two servers never open the same data, and stops
 * by itself once no live process holds a lease on it (src/db/embedded-leases.ts): checked every
 * second, and at once when a user releases its lease (SIGUSR2).
 */
import { openSync, readFileSync, renameSync, unlinkSync, writeFileSync, closeSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { ALREADY_SERVED, isAlive, stateFile, type EmbeddedServerState } from './embedded';
import { liveLeases } from './embedded-leases';

const MAX_CONNECTIONS = 100;
/** How often the users are counted (a user that died without releasing is noticed this late). */
const CHECK_USERS_MS = 1_000;

function log(message: string): void {
  process.stdout.write(`${new Date().toISOString()} [embedded-server ${process.pid}] ${message}\n`);
}

function claim(file: string, port: number): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeFileSync(fd, JSON.stringify({ pid: process.pid, port, status: 'starting' } satisfies EmbeddedServerState));
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner: EmbeddedServerState | undefined;
      try {
        owner = JSON.parse(readFileSync(file, 'utf8')) as EmbeddedServerState;
      } catch {
        owner = undefined;
      }
      if (owner && isAlive(owner.pid)) return false;
      unlinkSync(file); // stale: its process is gone
    }
  }
  return false;
}

function writeState(file: string, state: EmbeddedServerState): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(state));
  renameSync(`${file}.tmp`, file);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dir: { type: 'string' }, port: { type: 'string' } } });
  if (!values.dir || !values.port) throw new Error('usage: embedded-server --dir <dir> --port <port>');
  const dir = path.resolve(values.dir);
  const port = Number(values.port);
  mkdirSync(dir, { recursive: true });
  const file = stateFile(dir);
  if (!claim(file, port)) {
    log(`another server already serves ${dir}`);
    process.exit(ALREADY_SERVED);
  }

  let db: PGlite | undefined;
  let server: PGLiteSocketServer | undefined;
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log('stopping');
    try {
      await server?.stop();
      await db?.close();
    } finally {
      try {
        unlinkSync(file);
      } catch {
        /* already gone */
      }
      log('stopped');
      process.exit(code);
    }
  };
  process.on('SIGTERM', () => void stop(0));
  process.on('SIGINT', () => void stop(0));

  // No user left: say so in the state file first, then count again, so that a user that took
  // its lease in between is seen (it waits for a "stopping" server and starts a new one).
  let ready = false;
  const stopWhenUnused = (): void => {
    if (!ready || stopping || liveLeases(dir) > 0) return;
    writeState(file, { pid: process.pid, port, status: 'stopping' });
    if (liveLeases(dir) > 0) {
      writeState(file, { pid: process.pid, port, status: 'ready' });
      return;
    }
    log('no users left');
    void stop(0);
  };
  setInterval(stopWhenUnused, CHECK_USERS_MS);
  process.on('SIGUSR2', stopWhenUnused);

  try {
    const started = Date.now();
    db = await PGlite.create(path.join(dir, 'pgdata'));
    server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: MAX_CONNECTIONS });
    await server.start();
    writeState(file, { pid: process.pid, port, status: 'ready' });
    ready = true;
    log(`serving ${path.join(dir, 'pgdata')} on 127.0.0.1:${port} (ready in ${Date.now() - started} ms)`);
  } catch (err) {
    log(`failed to start: ${(err as Error).message}`);
    await stop(1);
  }
}

void main();
