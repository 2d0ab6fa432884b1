/**
 * A real OpenSSH server on a loopback port, as the tests' SSH bastion: its own host key and
 * client key (ssh-keygen) in a temp dir, forwarding allowed, stopped by pid (never by name).
 * It needs /usr/sbin/sshd (apt-get install -y openssh-server; .ci/run installs it).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './process';
import { canConnect } from '../../src/db/embedded';

const SSHD = '/usr/sbin/sshd';

export interface Sshd {
  port: number;
  user: string;
  dir: string;
  clientKeyPath: string;
  /** A known_hosts file with this server's real host key. */
  knownHostsPath: string;
  /** A known_hosts file that lists another key for this server. */
  wrongKnownHostsPath: string;
  pid(): number | undefined;
  /** Processes sshd forked for connections (one per SSH session). */
  sessionPids(): number[];
  start(): Promise<void>;
  /** Stops the server and every session it forked (the bastion goes away). */
  stop(): Promise<void>;
  /** Stops and deletes the temp dir. */
  dispose(): Promise<void>;
}

function keygen(file: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'backendapi-test', '-f', file]);
  return readFileSync(`${file}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}

/** Children of `pid`, recursively, from /proc (sshd's session processes call setsid). */
function descendants(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (parent: number): void => {
    for (const [child, ppid] of parents) {
      if (ppid === parent) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(pid);
  return found;
}

/** Running (a zombie nobody reaps counts as gone: its sockets are closed). */
const alive = (pid: number): boolean => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

const accepts = canConnect;

export async function createSshd(): Promise<Sshd> {
  if (!existsSync(SSHD)) {
    throw new Error(`OpenSSH server not installed: ${SSHD} is missing. Install it with: apt-get install -y openssh-server (.ci/run does)`);
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'backendapi-sshd-'));
  const port = await freePort();
  const hostKey = keygen(path.join(dir, 'host_key'));
  const otherKey = keygen(path.join(dir, 'other_host_key'));
  const clientPub = keygen(path.join(dir, 'client_key'));
  writeFileSync(path.join(dir, 'authorized_keys'), `${clientPub}\n`);
  const knownHostsPath = path.join(dir, 'known_hosts');
  const wrongKnownHostsPath = path.join(dir, 'wrong_known_hosts');
  writeFileSync(knownHostsPath, `[127.0.0.1]:${port} ${hostKey}\n`);
  writeFileSync(wrongKnownHostsPath, `[127.0.0.1]:${port} ${otherKey}\n`);
  const config = path.join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${path.join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'AllowTcpForwarding yes',
      'UsePAM no',
      'StrictModes no',
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      'LogLevel VERBOSE',
      '',
    ].join('\n'),
  );
  mkdirSync('/run/sshd', { recursive: true }); // sshd's privilege separation directory

  let child: ChildProcess | undefined;
  let output = '';
  const sshd: Sshd = {
    port,
    user: os.userInfo().username,
    dir,
    clientKeyPath: path.join(dir, 'client_key'),
    knownHostsPath,
    wrongKnownHostsPath,
    pid: () => child?.pid,
    sessionPids: () => (child?.pid ? descendants(child.pid) : []),
    async start() {
      if (child) throw new Error('sshd already running');
      output = '';
      const started = spawn(SSHD, ['-D', '-f', config, '-e'], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = started;
      started.stdout.on('data', (c: Buffer) => (output += c.toString()));
      started.stderr.on('data', (c: Buffer) => (output += c.toString()));
      let exit: number | null | undefined;
      started.on('exit', (code) => {
        exit = code;
        if (child === started) child = undefined;
      });
      const deadline = Date.now() + 10_000;
      while (!(await accepts(port))) {
        if (exit !== undefined) throw new Error(`sshd exited with ${String(exit)}:\n${output}`);
        if (Date.now() > deadline) throw new Error(`sshd did not listen on ${port} within 10 s:\n${output}`);
        await sleep(50);
      }
    },
    async stop() {
      const running = child;
      if (!running?.pid) return;
      const pids = [...descendants(running.pid), running.pid];
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      const deadline = Date.now() + 10_000;
      while (pids.some(alive) && Date.now() < deadline) await sleep(20);
      child = undefined;
    },
    async dispose() {
      await sshd.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await sshd.start();
  return sshd;
}
