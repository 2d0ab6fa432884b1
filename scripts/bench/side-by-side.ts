/**
 * The variants compared side by side: in each run, one process of every variant takes the same
 * load (`connections` each) at the same time, all of them pinned to the same CPU (Linux
 * `taskset`), while the load generator keeps to the others. The kernel shares that CPU fairly
 * between them, so each one's requests per second follow its CPU time per request, and whatever
 * else slows the machine during the run (PostgreSQL, other jobs, a busy host) slows them alike.
 *
 * Why not one after the other, as the API and the baseline run: on a shared machine two 2 s runs
 * of processes of the same build differed by 15 % (standard deviation of their ratio, measured on
 * the 2-core machine of docs/operations.md "What it costs"), which hides a cost of 5 %; side by
 * side the same comparison stayed within 0.955–1.025 once the processes were warm.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { runLoad, type ScenarioData, type ScenarioName } from './load';
import { combine, type Measured } from './report';
import type { Server } from './servers';
import type { Variant, VariantRun } from './telemetry';

/** Sets the CPUs of a process and all its threads; false where taskset is missing or refused. */
function setCpus(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface SideBySideOptions {
  /** Each variant's processes (its replicas), in the order of `variants`. */
  processes: Map<Variant, Server[]>;
  variants: Variant[];
  scenario: ScenarioName;
  data: ScenarioData;
  connections: number;
  duration: number;
  rounds: number;
  say: (line: string) => void;
}

/**
 * `rounds` × replicas runs; in round r, replica j of the k-th variant runs with replica
 * (j + r·k) mod replicas of the others, so that over the rounds each process meets several of
 * the others'. Each run is one entry of VariantRun.rounds.
 */
export async function sideBySide(o: SideBySideOptions): Promise<VariantRun> {
  const cpus = os.cpus().length;
  const all = [...o.processes.values()].flat();
  const last = String(cpus - 1);
  const unpin = (): void => {
    for (const pid of [...all.map((s) => s.pid), process.pid]) setCpus(pid, `0-${cpus - 1}`);
  };
  const pinned = cpus >= 2 && [...all.map((s) => setCpus(s.pid, last)), setCpus(process.pid, `0-${cpus - 2}`)].every(Boolean);
  if (cpus >= 2 && !pinned) unpin();
  const replicas = Math.min(...[...o.processes.values()].map((p) => p.length));
  const runs: Array<Partial<Record<Variant, Measured>>> = [];
  const busyCores: number[] = [];
  try {
    // Unmeasured: every process once at this load first, so that none is compared while V8 is still compiling it.
    for (let j = 0; j < replicas; j++) {
      await Promise.all(
        o.variants.map((v) => runLoad(((o.processes.get(v) as Server[])[j] as Server).port, o.scenario, o.data, o.connections, o.duration)),
      );
    }
    for (let round = 0; round < o.rounds; round++) {
      for (let j = 0; j < replicas; j++) {
        const group = o.variants.map((v, k) => (o.processes.get(v) as Server[])[(j + round * k) % replicas] as Server);
        const cpuBefore = group.map((s) => s.cpuMs());
        const started = performance.now();
        const results = await Promise.all(group.map((s) => runLoad(s.port, o.scenario, o.data, o.connections, o.duration)));
        const wallMs = performance.now() - started;
        const cpu = group.map((s, i) => s.cpuMs() - (cpuBefore[i] as number));
        busyCores.push(cpu.reduce((a, b) => a + b, 0) / wallMs);
        const ran: Partial<Record<Variant, Measured>> = {};
        o.variants.forEach((v, i) => {
          const r = results[i] as (typeof results)[number];
          ran[v] = { ...r, cpuMsPerRequest: r.requests ? (cpu[i] as number) / r.requests : Number.NaN };
        });
        runs.push(ran);
        o.say(
          `[side by side] ${o.scenario} c=${o.connections} ${pinned ? `on CPU ${last}` : 'unpinned'}: ` +
            group.map((s, i) => `${s.name} ${results[i]?.requestsPerSec} req/s`).join(', '),
        );
      }
    }
  } finally {
    if (pinned) unpin();
  }
  return {
    scenario: o.scenario,
    connections: o.connections,
    runs: Object.fromEntries(o.variants.map((v) => [v, combine(runs.map((r) => r[v] as Measured))])),
    rounds: runs,
    pinned,
    busyCores,
  };
}
