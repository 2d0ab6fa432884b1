/** Starting, watching and stopping the two servers under test (each its own child process). */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..', '..', ...(path.basename(path.resolve(__dirname, '..', '..')) === 'dist' ? ['..'] : []));

export type StartMode = 'compiled' | 'tsx';

export interface Server {
  name: string;
  child: ChildProcess;
  pid: number;
  port: number;
  /** Highest resident set size seen (sampled VmRSS and the kernel's VmHWM), in MB. */
  peakRssMb(): number;
  /** CPU time the process has used so far (user + system, all threads), in ms; NaN off Linux. */
  cpuMs(): number;
  /** SIGTERM, then SIGKILL after 15 s; says how the process ended. */
  stop(): Promise<Stopped>;
}

export interface Stopped {
  code: number | null;
  /** It did not exit within 15 s of SIGTERM and was killed. */
  killed: boolean;
  ms: number;
}

/** The command that runs a TypeScript entry of this repository: its compiled file under dist/, or the source through tsx. */
export function entry(mode: StartMode, source: string): string[] {
  if (mode === 'compiled') return [path.join(ROOT, 'dist', source.replace(/\.ts$/, '.js'))];
  return ['--require', require.resolve('tsx/cjs'), path.join(ROOT, source)];
}

/** How every scenario runs the API: production settings, JSON logs, the bench database already migrated, loopback only. */
export const apiEnv = (url: string): NodeJS.ProcessEnv => ({
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  LOG_FORMAT: 'json',
  DATABASE_URL: url,
  MIGRATE_ON_START: 'false',
  HOST: '127.0.0.1',
});

export const compiledAvailable = (): boolean =>
  existsSync(path.join(ROOT, 'dist', 'src', 'main.js')) && existsSync(path.join(ROOT, 'dist', 'scripts', 'bench', 'baseline.js'));

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** utime + stime from /proc/<pid>/stat, in clock ticks of 10 ms (USER_HZ is 100 on Linux). */
function cpuTimeMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

async function waitHealthy(port: number, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}; see ${logFile}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not healthy within ${timeoutMs} ms; see ${logFile}`);
}

export async function startServer(
  name: string,
  nodeArgs: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  logFile: string,
): Promise<Server> {
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, nodeArgs, {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const pid = child.pid as number;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, status(pid, 'VmRSS'))), 250);
  sampler.unref();
  try {
    await waitHealthy(port, child, logFile, 120_000);
  } catch (err) {
    clearInterval(sampler);
    child.kill('SIGKILL');
    throw new Error(`${name}: ${(err as Error).message}`, { cause: err });
  }
  return {
    name,
    child,
    pid,
    port,
    peakRssMb: () => Math.max(peak, status(pid, 'VmHWM'), status(pid, 'VmRSS')),
    cpuMs: () => cpuTimeMs(pid),
    async stop() {
      peak = Math.max(peak, status(pid, 'VmHWM'));
      clearInterval(sampler);
      if (child.exitCode !== null) return { code: child.exitCode, killed: false, ms: 0 };
      const started = Date.now();
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      let killed = false;
      const timer = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, 15_000);
      const code = await exited;
      clearTimeout(timer);
      return { code, killed, ms: Date.now() - started };
    },
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
