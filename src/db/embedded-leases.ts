/**
 * Who uses the embedded server (src/db/embedded.ts): one file per user in `<dir>/clients/`,
 * named and filled with the user's pid. A lease of a process that is gone (killed, crashed)
 * counts for nothing and is removed by whoever looks next.
 */
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface LeaseHolder {
  pid: number;
  /** The command line of the process, for messages. */
  command: string;
  file: string;
}

const clientsDir = (dir: string): string => path.join(dir, 'clients');
let taken = 0;

/** Whether a process exists (EPERM: it does, under another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const unlink = (file: string): void => {
  try {
    unlinkSync(file);
  } catch {
    /* already gone */
  }
};

/** Registers this process as a user of the server of `dir` (one lease per call). */
export function takeLease(dir: string): { release(): void } {
  mkdirSync(clientsDir(dir), { recursive: true });
  const file = path.join(clientsDir(dir), `${process.pid}-${++taken}`);
  const holder = { pid: process.pid, command: process.argv.slice(1).join(' ') };
  writeFileSync(file, JSON.stringify(holder));
  return { release: () => unlink(file) };
}

/** The processes that hold a lease and are still alive; leases of dead processes are removed. */
export function leaseHolders(dir: string): LeaseHolder[] {
  let names: string[];
  try {
    names = readdirSync(clientsDir(dir));
  } catch {
    return [];
  }
  const holders: LeaseHolder[] = [];
  for (const name of names) {
    const file = path.join(clientsDir(dir), name);
    let holder: { pid?: unknown; command?: unknown } = {};
    try {
      holder = JSON.parse(readFileSync(file, 'utf8')) as typeof holder;
    } catch {
      // being written right now, or gone: its name still carries the pid
    }
    const pid = typeof holder.pid === 'number' ? holder.pid : Number(name.split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) holders.push({ pid, command: String(holder.command ?? ''), file });
    else unlink(file);
  }
  return holders;
}

export const liveLeases = (dir: string): number => leaseHolders(dir).length;
