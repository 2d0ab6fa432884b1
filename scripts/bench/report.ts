/** The bench's table, its targets, and a summary of a V8 CPU profile (where the API's time goes). */
import { readFileSync } from 'node:fs';
import type { RunResult, ScenarioName } from './load';
import type { Stopped } from './servers';

/** A run of one server, with the CPU time it spent per request (the load generator shares the machine). */
export type Measured = RunResult & { cpuMsPerRequest: number };

/** Several runs of one server as one: requests and CPU time added up, mean req/s, the slowest p50 and p99. */
export function combine(runs: Measured[]): Measured {
  const sum = (f: (r: Measured) => number): number => runs.reduce((n, r) => n + f(r), 0);
  const requests = sum((r) => r.requests);
  return {
    requestsPerSec: Math.round(sum((r) => r.requestsPerSec) / runs.length),
    p50Ms: Math.max(...runs.map((r) => r.p50Ms)),
    p99Ms: Math.max(...runs.map((r) => r.p99Ms)),
    requests,
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    non2xx: sum((r) => r.non2xx),
    preconditionFailed: sum((r) => r.preconditionFailed),
    cpuMsPerRequest: requests ? sum((r) => r.cpuMsPerRequest * r.requests) / requests : Number.NaN,
  };
}

export interface Pair {
  scenario: ScenarioName;
  connections: number;
  api: Measured;
  baseline: Measured;
  ratio: number;
}

export interface Target {
  name: string;
  met: boolean;
  detail: string;
}

/** The throughput ratio API/baseline to reach at every connection count; other scenarios have none. */
const MIN_RATIO: Partial<Record<ScenarioName, number>> = { 'get-by-id': 0.5, 'list-50': 0.6, 'create-with-audit': 0.5 };
export const RSS_LIMIT_MB = 200;

const pad = (s: string | number, n: number): string => String(s).padStart(n);
/** Errors, timeouts and non-2xx answers other than 412 (a stale If-Match is the client's to retry, and counted apart). */
export const faultsOf = (r: RunResult): number => r.errors + r.timeouts + r.non2xx - r.preconditionFailed;
const faults = (r: RunResult): string => `${r.errors + r.timeouts}/${r.non2xx - r.preconditionFailed}`;

/**
 * The table. `CPU ratio` is the baseline's CPU time per request over the API's: what the
 * throughput ratio would be if each server had a core to itself, so it moves much less than
 * req/s when other work (the load generator, PostgreSQL, other jobs) competes for the cores.
 */
export function table(pairs: Pair[]): string {
  const head = `${'scenario'.padEnd(19)}${pad('conns', 6)}${pad('API req/s', 11)}${pad('base req/s', 11)}${pad('ratio', 7)}${pad('API p50/p99 ms', 16)}${pad('base p50/p99 ms', 17)}${pad('API err/non2xx', 16)}${pad('base err/non2xx', 17)}${pad('CPU ms/req API/base', 21)}${pad('CPU ratio', 11)}${pad('412 API/base', 14)}`;
  const lines = pairs.map(
    (p) =>
      `${p.scenario.padEnd(19)}${pad(p.connections, 6)}${pad(p.api.requestsPerSec, 11)}${pad(p.baseline.requestsPerSec, 11)}${pad(p.ratio.toFixed(2), 7)}` +
      `${pad(`${p.api.p50Ms}/${p.api.p99Ms}`, 16)}${pad(`${p.baseline.p50Ms}/${p.baseline.p99Ms}`, 17)}${pad(faults(p.api), 16)}${pad(faults(p.baseline), 17)}` +
      `${pad(`${p.api.cpuMsPerRequest.toFixed(2)}/${p.baseline.cpuMsPerRequest.toFixed(2)}`, 21)}${pad((p.baseline.cpuMsPerRequest / p.api.cpuMsPerRequest).toFixed(2), 11)}` +
      pad(`${p.api.preconditionFailed}/${p.baseline.preconditionFailed}`, 14),
  );
  return [head, '-'.repeat(head.length), ...lines].join('\n');
}

export function targets(pairs: Pair[], apiPeakRssMb: number, apiStop?: Stopped): Target[] {
  const out: Target[] = [];
  for (const [scenario, min] of Object.entries(MIN_RATIO) as Array<[ScenarioName, number]>) {
    const mine = pairs.filter((p) => p.scenario === scenario);
    if (!mine.length) continue;
    const worst = Math.min(...mine.map((p) => p.ratio));
    out.push({
      name: `${scenario} ratio >= ${min}`,
      met: worst >= min,
      detail: mine.map((p) => `c${p.connections}: ${p.ratio.toFixed(2)}`).join(', '),
    });
  }
  const at32 = pairs.filter((p) => p.connections === 32);
  if (at32.length) {
    out.push({
      name: 'p99 at 32 connections <= 2x baseline',
      met: at32.every((p) => p.api.p99Ms <= 2 * p.baseline.p99Ms),
      detail: at32.map((p) => `${p.scenario}: ${p.api.p99Ms} vs ${p.baseline.p99Ms} ms`).join(', '),
    });
  }
  const errors = pairs.reduce((n, p) => n + faultsOf(p.api), 0);
  const stale = pairs.reduce((n, p) => n + p.api.preconditionFailed, 0);
  out.push({ name: 'zero errors (API)', met: errors === 0, detail: `${errors} errors/timeouts/non-2xx (412s apart: ${stale})` });
  out.push({ name: `API peak RSS <= ${RSS_LIMIT_MB} MB`, met: apiPeakRssMb <= RSS_LIMIT_MB, detail: `${apiPeakRssMb.toFixed(0)} MB` });
  if (apiStop) {
    out.push({
      name: 'API exits 0 on SIGTERM after the load',
      met: apiStop.code === 0 && !apiStop.killed,
      detail: apiStop.killed ? 'still running 15 s after SIGTERM: killed' : `exit code ${String(apiStop.code)} after ${apiStop.ms} ms`,
    });
  }
  return out;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Where a frame's code lives: a package, one of our files, Node's internals, or V8 (GC, idle). */
function bucketOf(url: string, fn: string): string {
  if (!url) return `(${fn || 'anonymous'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0] === 'internal' ? url.slice(5).split('/')[1] : url.slice(5)}`;
  const ours = /\/((?:dist\/)?(?:src|scripts)\/.*)$/.exec(url);
  return ours ? (ours[1] as string) : url;
}

/** Self time per bucket and per function, as a share of all samples. */
export function summarizeProfile(file: string, top = 15): string {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
  const total = profile.samples.length || 1;
  const byBucket = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    const { url, functionName, lineNumber } = node.callFrame;
    const bucket = bucketOf(url, functionName);
    byBucket.set(bucket, (byBucket.get(bucket) ?? 0) + hits);
    const fn = `${functionName || '(anonymous)'} ${bucket}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
  }
  const list = (m: Map<string, number>): string =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `  ${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n');
  return `self time by package/file (${total} samples):\n${list(byBucket)}\n\nself time by function:\n${list(byFunction)}`;
}
