/**
 * What metrics, tracing and the memory settings cost: the API run in several configurations
 * ("variants") on the same database, in the same run, against the same load.
 * `--variants no-metrics,metrics,trace-100,trace-1,v8-defaults` starts one API process per variant
 * (`--replicas` of each), besides the API of the main table; `metrics` is that API's configuration
 * (the default: Prometheus metrics on, tracing off). Traces go to a local OTLP/HTTP sink that
 * reads and drops them, so their export (serialization and HTTP) is part of the cost measured.
 * `v8-defaults` is the default configuration with V8's own memory behaviour
 * (HEAP_GROWTH_PERCENT=0, WASM_OPTIMIZE=true), to show what the memory settings save and cost
 * (docs/scaling.md "Memory"). They run side by side (scripts/bench/side-by-side.ts), and each
 * cell is the median of the per-run ratios.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Measured, Target } from './report';
import type { ScenarioName } from './load';

export const VARIANTS = ['no-metrics', 'metrics', 'trace-100', 'trace-1', 'v8-defaults'] as const;
export type Variant = (typeof VARIANTS)[number];
/** The variant that is "the API" of the main table. */
export const MAIN_VARIANT: Variant = 'metrics';

/**
 * Side by side on one CPU, the variants' processes together keep that CPU this busy when the
 * load outruns them (the rest goes to PostgreSQL backends scheduled there); below it they idled.
 */
const MIN_BUSY_CORES = 0.8;

/** Largest throughput loss allowed for Prometheus metrics with tracing off. */
export const METRICS_MAX_LOSS = 0.05;

export function parseVariants(list: string): Variant[] {
  const names = list.split(',').map((s) => s.trim()) as Variant[];
  const unknown = names.filter((n) => !VARIANTS.includes(n));
  if (unknown.length) throw new Error(`--variants: ${unknown.join(', ')} unknown; one of ${VARIANTS.join(', ')}`);
  return [...new Set([MAIN_VARIANT, ...names])];
}

/** The environment of a variant's API process. */
export function variantEnv(variant: Variant, otlpEndpoint: string): NodeJS.ProcessEnv {
  // A free metrics port per process: several run at once, and others may use 9464.
  const metrics = { METRICS_ENABLED: variant === 'no-metrics' ? 'false' : 'true', METRICS_PORT: '0' };
  if (variant === 'v8-defaults') return { ...metrics, OTEL_SDK_DISABLED: 'true', HEAP_GROWTH_PERCENT: '0', WASM_OPTIMIZE: 'true' };
  if (!variant.startsWith('trace-')) return { ...metrics, OTEL_SDK_DISABLED: 'true' };
  return {
    ...metrics,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: variant === 'trace-100' ? '1' : '0.01',
  };
}

/** An OTLP/HTTP endpoint that accepts every export and keeps nothing but a count of bytes. */
export async function startOtlpSink(): Promise<{ url: string; bytes: () => number; close: () => void }> {
  let bytes = 0;
  const server = http.createServer((req, res) => {
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bytes: () => bytes, close: () => server.close() };
}

export interface VariantRun {
  scenario: ScenarioName;
  connections: number;
  /** All rounds together. */
  runs: Partial<Record<Variant, Measured>>;
  /** Each run of the variants side by side (scripts/bench/side-by-side.ts). */
  rounds: Array<Partial<Record<Variant, Measured>>>;
  /** They shared one CPU (taskset), apart from the load generator. */
  pinned?: boolean;
  /** CPU time the variants' processes used together per second of each run, in cores. */
  busyCores?: number[];
}

const pad = (s: string | number, n: number): string => String(s).padStart(n);

const median = (xs: number[]): number => {
  const sorted = [...xs].filter(Number.isFinite).sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/**
 * `variant` against `reference`, run by run (they ran side by side, so the machine's other load
 * touched both alike), then the median over the runs: throughput
 * (variant req/s over reference req/s) and CPU per request (reference over variant, so that
 * below 1 means "costs more" in both).
 */
export function relative(runs: VariantRun[], variant: Variant, reference: Variant): { throughput: number; cpu: number; rounds: number } {
  const pairs = runs.flatMap((r) => r.rounds).filter((r) => r[variant] && r[reference]);
  return {
    throughput: median(pairs.map((r) => (r[variant] as Measured).requestsPerSec / (r[reference] as Measured).requestsPerSec)),
    cpu: median(pairs.map((r) => (r[reference] as Measured).cpuMsPerRequest / (r[variant] as Measured).cpuMsPerRequest)),
    rounds: pairs.length,
  };
}

const referenceOf = (variants: Variant[]): Variant => (variants.includes('no-metrics') ? 'no-metrics' : MAIN_VARIANT);

/** Each variant against `no-metrics` (or the main variant when that is not run): medians of the per-round ratios. */
export function telemetryTable(runs: VariantRun[], variants: Variant[]): string {
  const reference = referenceOf(variants);
  const others = variants.filter((v) => v !== reference);
  const head =
    `${'scenario'.padEnd(18)}${pad('conns', 6)}${pad(`${reference} req/s`, 18)}${pad(`CPU ms/req`, 12)}` +
    others.map((v) => `${pad(`${v} req/s`, 22)}${pad('CPU ms/req', 12)}${pad('tput ratio', 12)}${pad('CPU ratio', 11)}`).join('');
  const lines = runs.map((r) => {
    const ref = r.runs[reference] as Measured;
    const cells = others.map((v) => {
      const m = r.runs[v] as Measured;
      const rel = relative([r], v, reference);
      return `${pad(m.requestsPerSec, 22)}${pad(m.cpuMsPerRequest.toFixed(2), 12)}${pad(rel.throughput.toFixed(3), 12)}${pad(rel.cpu.toFixed(3), 11)}`;
    });
    return `${r.scenario.padEnd(18)}${pad(r.connections, 6)}${pad(ref.requestsPerSec, 18)}${pad(ref.cpuMsPerRequest.toFixed(2), 12)}${cells.join('')}`;
  });
  const all = others.map((v) => {
    const rel = relative(runs, v, reference);
    return `${v}: throughput ${rel.throughput.toFixed(3)}, CPU ${rel.cpu.toFixed(3)} of ${reference} (median of ${rel.rounds} rounds)`;
  });
  if (variants.includes('v8-defaults') && reference !== MAIN_VARIANT) {
    const rel = relative(runs, MAIN_VARIANT, 'v8-defaults');
    all.push(
      `memory settings (${MAIN_VARIANT} / v8-defaults): throughput ${rel.throughput.toFixed(3)}, CPU ${rel.cpu.toFixed(3)} (median of ${rel.rounds} rounds)`,
    );
  }
  const busy = runs.flatMap((r) => r.busyCores ?? []);
  if (busy.length) {
    const pinned = runs.every((r) => r.pinned);
    all.push(
      `side by side ${pinned ? 'on one CPU' : 'without pinning (taskset missing or refused, or one CPU): other work touched them unevenly'}; ` +
        `the variants' processes used ${median(busy).toFixed(2)} cores together (median of ${busy.length} runs)` +
        (pinned && median(busy) < MIN_BUSY_CORES
          ? ` — under ${MIN_BUSY_CORES}: they waited for the load or the database part of the time, which understates their differences`
          : ''),
    );
  }
  return [head, '-'.repeat(head.length), ...lines, '', ...all].join('\n');
}

/** Metrics on, tracing off: within METRICS_MAX_LOSS of no metrics, per scenario; tracing costs are reported, not judged. */
export function telemetryTargets(runs: VariantRun[], variants: Variant[]): Target[] {
  if (!variants.includes('no-metrics')) return [];
  const scenarios = [...new Set(runs.map((r) => r.scenario))];
  const out: Target[] = [];
  for (const scenario of scenarios) {
    const mine = runs.filter((r) => r.scenario === scenario);
    const rel = relative(mine, 'metrics', 'no-metrics');
    out.push({
      name: `${scenario}: metrics on / off throughput >= ${1 - METRICS_MAX_LOSS}`,
      met: rel.throughput >= 1 - METRICS_MAX_LOSS,
      detail: `median of ${rel.rounds} rounds: throughput ${rel.throughput.toFixed(3)}, CPU per request ${rel.cpu.toFixed(3)}`,
    });
    for (const v of variants.filter((x) => x.startsWith('trace-'))) {
      const t = relative(mine, v, 'no-metrics');
      out.push({
        name: `${scenario}: ${v} / no-metrics (reported)`,
        met: true,
        detail: `median of ${t.rounds} rounds: throughput ${t.throughput.toFixed(3)}, CPU per request ${t.cpu.toFixed(3)}`,
      });
    }
  }
  return out;
}
