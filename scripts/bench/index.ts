/**
 * npm run bench: the API against a raw baseline (scripts/bench/baseline.ts) on the same seeded
 * database, same machine, same run. See docs/scaling.md for what it measured.
 *
 *   npm run bench -- [--duration 8] [--warmup 2] [--connections 8,32,128]
 *                    [--scenarios get-by-id,list-50,list-filtered,create-with-audit,create-idempotent,patch-if-match,
 *                                 content-transfer,content-concurrent,runs-throughput,runs-claim-empty]
 *                    [--recordings 100000] [--users 200] [--content-size 1024] [--mode compiled|tsx] [--no-build] [--profile]
 *                    [--variants no-metrics,metrics,trace-100,trace-1,v8-defaults] [--replicas 1] [--profile-variant trace-1] [--rounds 1] [--runs 4000]
 *
 * The content scenarios (scripts/bench/content.ts) run after the others, or alone when only they are
 * named (then the database gets a few hundred recordings instead of 100k); so do the run-queue
 * scenarios (scripts/bench/runs.ts: claim → complete with 8 workers, claims on an empty queue).
 *
 * Each flag also reads BENCH_<NAME> (BENCH_DURATION=10, BENCH_MODE=tsx, …). BENCH_DATABASE_URL
 * (default postgresql://postgres@127.0.0.1:5432/backendapi_bench) names a database that is
 * dropped and created again. --variants adds API processes in other configurations (without
 * metrics, with tracing at 100 % or 1 % sampling, with V8's own memory behaviour) to the same run:
 * see scripts/bench/telemetry.ts. They are compared side by side (scripts/bench/side-by-side.ts):
 * one process of each variant at a time, all under the same load at once, on one CPU.
 * --replicas runs that many processes of every variant (the API of the main table is not one of
 * them), met in rotation, so that no comparison rests on one process's luck with V8's compiler.
 * Each process holds up to 10 database connections (and two more for notifications): (variants ×
 * replicas + 1) × 12 + 10 (the baseline) must fit the server's max_connections (100 by default).
 * --profile-variant profiles one of those variants' processes as --profile does the API's.
 * --rounds runs the API and the baseline that many times per scenario and connection count, in
 * turn, so that they run close together in time; and the variants that many times side by side
 * per replica.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runLoad, SCENARIOS, type ScenarioName, type ScenarioData } from './load';
import { combine, faultsOf, summarizeProfile, table, targets, type Measured, type Pair } from './report';
import { migrate, recreateDatabase, seed } from './seed';
import { sideBySide } from './side-by-side';
import { apiEnv, compiledAvailable, entry, freePort, ROOT, startServer, type Server, type StartMode, type Stopped } from './servers';
import { CONTENT_SCENARIOS, runContentBench, type ContentResults, type ContentScenario } from './content';
import { RUN_SCENARIOS, runRunsBench, type RunResults, type RunScenario } from './runs';
import {
  MAIN_VARIANT,
  parseVariants,
  startOtlpSink,
  telemetryTable,
  telemetryTargets,
  variantEnv,
  type Variant,
  type VariantRun,
} from './telemetry';

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    scenarios: { type: 'string' },
    recordings: { type: 'string' },
    users: { type: 'string' },
    'content-size': { type: 'string' },
    mode: { type: 'string' },
    'no-build': { type: 'boolean' },
    profile: { type: 'boolean' },
    variants: { type: 'string' },
    'profile-variant': { type: 'string' },
    replicas: { type: 'string' },
    rounds: { type: 'string' },
    runs: { type: 'string' },
  },
});
const opt = (name: keyof typeof flags, fallback: string): string => {
  const value = flags[name] ?? process.env[`BENCH_${name.toUpperCase().replace(/-/g, '_')}`];
  return typeof value === 'string' ? value : fallback;
};
const num = (name: keyof typeof flags, fallback: number): number => {
  const value = Number(opt(name, String(fallback)));
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number`);
  return value;
};

const say = (line: string): void => void process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/backendapi_bench';
  const duration = num('duration', 8);
  const warmup = num('warmup', 2);
  const connections = opt('connections', '8,32,128').split(',').map(Number);
  const requested = opt('scenarios', [...SCENARIOS, ...CONTENT_SCENARIOS, ...RUN_SCENARIOS].join(',')).split(',');
  const known: string[] = [...SCENARIOS, ...CONTENT_SCENARIOS, ...RUN_SCENARIOS];
  if (requested.some((s) => !known.includes(s))) throw new Error(`--scenarios: one of ${known.join(', ')}`);
  const scenarios = requested.filter((s): s is ScenarioName => (SCENARIOS as readonly string[]).includes(s));
  const contentScenarios = requested.filter((s): s is ContentScenario => (CONTENT_SCENARIOS as readonly string[]).includes(s));
  const runScenarios = requested.filter((s): s is RunScenario => (RUN_SCENARIOS as readonly string[]).includes(s));
  const variants = parseVariants(opt('variants', MAIN_VARIANT));
  const profiledVariant = opt('profile-variant', '');
  if (profiledVariant && (variants.length < 2 || !(variants as string[]).includes(profiledVariant))) {
    throw new Error(
      `--profile-variant: one of --variants, when more than one is named (${variants.join(', ')}); --profile profiles the API`,
    );
  }
  const rounds = Math.max(1, Math.round(num('rounds', 1)));
  const replicas = Math.max(1, Math.round(num('replicas', 1)));
  /** The server names of a variant's processes: `no-metrics`, `no-metrics#2`, …  */
  const replicaNames = (variant: Variant): string[] =>
    Array.from({ length: replicas }, (_, i) => (i === 0 ? variant : `${variant}#${i + 1}`));
  let mode = opt('mode', 'compiled') as StartMode;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.join(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });

  if (mode === 'compiled' && !flags['no-build']) {
    say('[build] npm run build …');
    const t = Date.now();
    try {
      execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
      say(`[build] done in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    } catch {
      say(
        compiledAvailable()
          ? '[build] failed: using the previous build in dist/'
          : '[build] failed and no previous build: falling back to tsx',
      );
      if (!compiledAvailable()) mode = 'tsx';
    }
  }

  say(`[db] ${url.replace(/:[^:@/]+@/, ':***@')}: drop, create, migrate, seed …`);
  let t = Date.now();
  await recreateDatabase(url);
  await migrate(url);
  const seeded = await seed({
    url,
    users: num('users', scenarios.length ? 200 : 2),
    sessionsPerUser: 20,
    recordings: num('recordings', scenarios.length ? 100_000 : 200),
  });
  say(
    `[db] ${JSON.stringify(seeded.counts)} in ${((Date.now() - t) / 1000).toFixed(0)} s; bench user owns ${seeded.recordingIds.length} recordings`,
  );
  const data: ScenarioData = { token: seeded.token, recordingIds: seeded.recordingIds, sessionId: seeded.sessionId };
  const content = async (): Promise<ContentResults | undefined> => {
    if (!contentScenarios.length) return undefined;
    const sizeMb = num('content-size', 1024);
    const r = await runContentBench({
      url,
      mode,
      scenarios: contentScenarios,
      sizeMb,
      token: seeded.token,
      recordingIds: seeded.recordingIds,
      outDir,
      stamp,
      say,
    });
    for (const c of r.targets) say(`${c.met ? 'met   ' : 'MISSED'} ${c.name}: ${c.detail}`);
    return r;
  };
  const runs = async (): Promise<RunResults | undefined> =>
    runScenarios.length
      ? runRunsBench({ url, mode, scenarios: runScenarios, runs: num('runs', 4000), duration, outDir, stamp, say })
      : undefined;
  if (!scenarios.length) {
    const results = await content();
    const runResults = await runs();
    const file = path.join(outDir, `${stamp}-${contentScenarios.length ? 'content' : 'runs'}.json`);
    writeFileSync(
      file,
      `${JSON.stringify({ startedAt: stamp, machine: { cpus: os.cpus().length, node: process.version, loadavg: os.loadavg() }, mode, content: results, runs: runResults }, null, 2)}\n`,
    );
    say(`\nresults: ${path.relative(process.cwd(), file)}`);
    return;
  }

  const profileDir = path.join(outDir, `${stamp}-profile`);
  const apiArgs = [...(flags.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...entry(mode, 'src/main.ts')];
  const sink = await startOtlpSink();
  const baseEnv = apiEnv(url);
  const api = await startServer(
    'api',
    apiArgs,
    { ...baseEnv, ...variantEnv(MAIN_VARIANT, sink.url) },
    await freePort(),
    path.join(outDir, `${stamp}-api.log`),
  );
  // The other variants: the same API in other configurations (scripts/bench/telemetry.ts).
  const extras: Server[] = [];
  for (const variant of variants) {
    const env = { ...baseEnv, ...variantEnv(variant, sink.url) };
    // Not the API: it also runs against the baseline, and a process with a longer history would not compare alike.
    for (const name of variants.length > 1 ? replicaNames(variant) : []) {
      const profiled = name === profiledVariant ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}-${variant}`] : [];
      extras.push(
        await startServer(
          name,
          [...profiled, ...entry(mode, 'src/main.ts')],
          env,
          await freePort(),
          path.join(outDir, `${stamp}-${name}.log`),
        ),
      );
    }
  }
  // Each variant's processes, for the side-by-side runs (scripts/bench/side-by-side.ts).
  const byName = new Map(extras.map((x) => [x.name, x]));
  const processes = new Map(variants.map((v) => [v, replicaNames(v).map((n) => byName.get(n) as Server)]));
  const baseline = await startServer(
    'baseline',
    entry(mode, 'scripts/bench/baseline.ts'),
    { BENCH_DATABASE_URL: url, DATABASE_POOL_SIZE: process.env.DATABASE_POOL_SIZE ?? '10' },
    await freePort(),
    path.join(outDir, `${stamp}-baseline.log`),
  );
  say(`[servers] api pid ${api.pid} (${mode}: node ${apiArgs.slice(-1)[0]}), baseline pid ${baseline.pid}`);

  const pairs: Pair[] = [];
  const variantRuns: VariantRun[] = [];
  let apiStop: Stopped | undefined;
  const total = scenarios.length * connections.length * 2 * rounds;
  let done = 0;
  t = Date.now();
  try {
    for (const scenario of scenarios) {
      if (warmup) {
        say(`[warm-up] ${scenario} ${warmup} s each`);
        for (const server of [api, ...extras, baseline]) await runLoad(server.port, scenario, data, 8, warmup);
      }
      for (const [i, c] of connections.entries()) {
        const servers = [api, baseline];
        const byRound: Array<Record<string, Measured>> = [];
        for (let round = 0; round < rounds; round++) {
          // Rotate which server goes first, so neither always runs on a warmer database; every other
          // round backwards, so that a machine getting faster or slower touches both alike.
          const shift = (i + round) % servers.length;
          const order = [...servers.slice(shift), ...servers.slice(0, shift)];
          const ran: Record<string, Measured> = {};
          for (const server of round % 2 ? order.reverse() : order) {
            const cpuBefore = server.cpuMs();
            const run = await runLoad(server.port, scenario, data, c, duration);
            const r = { ...run, cpuMsPerRequest: run.requests ? (server.cpuMs() - cpuBefore) / run.requests : Number.NaN };
            ran[server.name] = r;
            done++;
            const bar = '#'.repeat(Math.round((20 * done) / total)).padEnd(20, '.');
            say(
              `[${bar}] ${done}/${total} ${scenario} c=${c} ${server.name}: ${r.requestsPerSec} req/s, p99 ${r.p99Ms} ms, ${faultsOf(r)} errors` +
                (r.preconditionFailed ? `, ${r.preconditionFailed} × 412` : ''),
            );
          }
          byRound.push(ran);
        }
        const results = Object.fromEntries(servers.map((x) => [x.name, combine(byRound.map((r) => r[x.name] as Measured))]));
        const [a, b] = [results.api, results.baseline] as [Pair['api'], Pair['baseline']];
        pairs.push({ scenario, connections: c, api: a, baseline: b, ratio: b.requestsPerSec ? a.requestsPerSec / b.requestsPerSec : 0 });
        if (variants.length > 1) {
          variantRuns.push(await sideBySide({ processes, variants, scenario, data, connections: c, duration, rounds, say }));
        }
      }
    }
  } finally {
    apiStop = await api.stop();
    for (const server of [...extras, baseline]) await server.stop();
    sink.close();
  }
  const apiRss = api.peakRssMb();
  const baselineRss = baseline.peakRssMb();
  const variantRss = Object.fromEntries(extras.map((x) => [x.name, Math.round(x.peakRssMb())]));

  say(`\n${table(pairs)}\n`);
  say(
    `peak RSS: API ${apiRss.toFixed(0)} MB, baseline ${baselineRss.toFixed(0)} MB   (load ran ${((Date.now() - t) / 1000).toFixed(0)} s)`,
  );
  if (extras.length) {
    say(
      `peak RSS of the other variants: ${Object.entries(variantRss)
        .map(([name, mb]) => `${name} ${mb} MB`)
        .join(', ')}`,
    );
    say(
      `metrics and tracing (API variants, ${(sink.bytes() / 2 ** 20).toFixed(1)} MB of spans exported):\n${telemetryTable(variantRuns, variants)}\n`,
    );
  }
  const checks = [...targets(pairs, apiRss, apiStop), ...telemetryTargets(variantRuns, variants)];
  for (const c of checks) say(`${c.met ? 'met   ' : 'MISSED'} ${c.name}: ${c.detail}`);

  let profile: string | undefined;
  if (flags.profile) {
    const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      profile = summarizeProfile(path.join(profileDir, file));
      say(`\nAPI CPU profile (${path.join(profileDir, file)}):\n${profile}`);
    }
  }
  let variantProfile: string | undefined;
  if (profiledVariant) {
    const dir = `${profileDir}-${profiledVariant}`;
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      variantProfile = summarizeProfile(path.join(dir, file));
      say(`\n${profiledVariant} CPU profile (${path.join(dir, file)}):\n${variantProfile}`);
    }
  }

  const contentResults = await content();
  const runResults = await runs();

  const commit = (() => {
    try {
      const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).toString().trim();
      const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT }).toString().trim().length > 0;
      return { head, dirty };
    } catch {
      return undefined;
    }
  })();
  const file = path.join(outDir, `${stamp}.json`);
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        startedAt: stamp,
        commit,
        machine: {
          cpus: os.cpus().length,
          model: os.cpus()[0]?.model,
          memoryMb: Math.round(os.totalmem() / 2 ** 20),
          loadavg: os.loadavg(),
          node: process.version,
        },
        settings: {
          mode,
          duration,
          warmup,
          connections,
          scenarios,
          poolSize: 10,
          variants,
          replicas,
          rounds,
          logLevel: 'info',
          nodeEnv: 'production',
          seeded: seeded.counts,
        },
        pairs,
        variantRuns,
        peakRssMb: { api: Math.round(apiRss), baseline: Math.round(baselineRss), variants: variantRss },
        apiShutdown: apiStop,
        targets: checks,
        profile,
        variantProfile: profiledVariant ? { variant: profiledVariant, summary: variantProfile } : undefined,
        content: contentResults,
        runs: runResults,
      },
      null,
      2,
    )}\n`,
  );
  say(`\nresults: ${path.relative(process.cwd(), file)}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
