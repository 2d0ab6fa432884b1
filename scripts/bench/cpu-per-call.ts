/**
 * CPU time per call of an async function, for the per-call scripts (prisma-calls.ts, write-calls.ts):
 * `--calls` sequential calls per round, `--rounds` rounds, after a warm-up.
 */
import { parseArgs } from 'node:util';

export interface CpuPerCall {
  median: number;
  min: number;
  max: number;
}

/** The rounds and calls from the command line (defaults `calls`, 5 rounds), and the measuring function. */
export function cpuPerCallFromArgs(defaultCalls: number): {
  calls: number;
  rounds: number;
  cpuPerCall: (fn: (i: number) => Promise<unknown>) => Promise<CpuPerCall>;
} {
  const { values } = parseArgs({ options: { calls: { type: 'string' }, rounds: { type: 'string' } } });
  const calls = Number(values.calls ?? defaultCalls);
  const rounds = Number(values.rounds ?? 5);
  /** CPU ms per call of `fn`, over `calls` sequential calls (median, min and max of `rounds`). */
  const cpuPerCall = async (fn: (i: number) => Promise<unknown>): Promise<CpuPerCall> => {
    for (let i = 0; i < 200; i++) await fn(i); // warm-up: JIT, plan caches, connection
    const samples: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const before = process.cpuUsage();
      for (let i = 0; i < calls; i++) await fn(i);
      const used = process.cpuUsage(before);
      samples.push((used.user + used.system) / 1000 / calls);
    }
    samples.sort((a, b) => a - b);
    const round = (n: number): number => Math.round(n * 1000) / 1000;
    return {
      median: round(samples[Math.floor(samples.length / 2)] as number),
      min: round(samples[0] as number),
      max: round(samples.at(-1) as number),
    };
  };
  return { calls, rounds, cpuPerCall };
}
