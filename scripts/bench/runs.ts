/**
 * The run-queue scenarios of npm run bench (selectable: --scenarios runs-throughput,runs-claim-empty):
 *   runs-throughput   --runs (default 4000) QUEUED runs drained by 8 workers, each claiming one run
 *                     and completing it, over HTTP through the API; then the same runs drained by 8
 *                     connections running the queue's own statements (src/runs/sql.ts) straight on
 *                     PostgreSQL: the raw baseline. Runs per second, the ratio, the API's CPU per run.
 *   runs-claim-empty  claims on an empty queue (waitSeconds 0, the 204 path): latency at 1 connection
 *                     and throughput at 8, through the API (autocannon) and as the raw claim statement.
 * Both start from a queue the bench fills with SQL (and empties between the API and the baseline).
 */
import http from 'node:http';
import pg from 'pg';
import autocannon from 'autocannon';
import { generateToken } from '../../src/auth/tokens';
import { parsePgUrl } from '../../src/db/pg-url';
import type { SqlNames } from '../../src/db/sql-names';
import { statements } from '../../src/runs/sql';
import { benchNames } from './names';
import { apiEnv, entry, freePort, startServer, type StartMode } from './servers';

export const RUN_SCENARIOS = ['runs-throughput', 'runs-claim-empty'] as const;
export type RunScenario = (typeof RUN_SCENARIOS)[number];

export interface RunBenchOptions {
  url: string;
  mode: StartMode;
  scenarios: RunScenario[];
  runs: number;
  duration: number;
  outDir: string;
  stamp: string;
  say: (line: string) => void;
}

export interface Drain {
  runs: number;
  seconds: number;
  runsPerSec: number;
  cpuMsPerRun: number;
  errors: number;
}

export interface RunResults {
  throughput?: { workers: number; api: Drain; raw: Drain; ratio: number };
  claimEmpty?: {
    api: { c1: { p50Ms: number; p99Ms: number; reqPerSec: number }; c8: { p50Ms: number; p99Ms: number; reqPerSec: number } };
    raw: { p50Ms: number; p99Ms: number; perSec: number };
  };
}

const WORKERS = 8;
const uuid7 = `encode(overlay(uuid_send(gen_random_uuid()) placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) from 1 for 6), 'hex')::uuid`;

/** An algo owner with a WORKER key, a member with one recording, a published algo; returns what the workers need. */
async function prepare(
  client: pg.Client,
  names: SqlNames,
): Promise<{ token: string; ownerId: string; keyId: string; algoId: string; recordingId: string }> {
  const key = generateToken('API');
  const [U, K, A, R] = [names.table('User'), names.table('ApiKey'), names.table('Algo'), names.table('Recording')];
  const [u, k, a, r] = [U.c, K.c, A.c, R.c];
  const { rows } = await client.query<{ ownerId: string; keyId: string; algoId: string; recordingId: string }>(
    `WITH owner AS (
       INSERT INTO ${U.table} (${u.id}, ${u.email}, ${u.name}, ${u.role}, ${u.createdAt}, ${u.updatedAt})
       VALUES (${uuid7}, 'bench-runs-' || gen_random_uuid() || '@example.com', 'Run bench', 'MEMBER', now(), now()) RETURNING ${u.id} AS id
     ), key AS (
       INSERT INTO ${K.table} (${k.id}, ${k.userId}, ${k.name}, ${k.kind}, ${k.scope}, ${k.tokenHash}, ${k.prefix}, ${k.createdAt}, ${k.updatedAt})
       SELECT ${uuid7}, id, 'bench worker', 'API', 'WORKER', $1, $2, now(), now() FROM owner RETURNING ${k.id} AS id
     ), algo AS (
       INSERT INTO ${A.table} (${a.id}, ${a.ownerId}, ${a.name}, ${a.version}, ${a.parameters}, ${a.status}, ${a.createdAt}, ${a.updatedAt})
       SELECT ${uuid7}, id, 'bench-' || gen_random_uuid(), '1.0.0', '{}', 'PUBLISHED', now(), now() FROM owner RETURNING ${a.id} AS id
     ), rec AS (
       INSERT INTO ${R.table} (${r.id}, ${r.userId}, ${r.name}, ${r.modality}, ${r.format}, ${r.metadata}, ${r.createdAt}, ${r.updatedAt})
       SELECT ${uuid7}, id, 'run bench', 'EEG', 'application/x-edf', '{}', now(), now() FROM owner RETURNING ${r.id} AS id
     )
     SELECT (SELECT id FROM owner) AS "ownerId", (SELECT id FROM key) AS "keyId", (SELECT id FROM algo) AS "algoId", (SELECT id FROM rec) AS "recordingId"`,
    [key.tokenHash, key.prefix],
  );
  return { token: key.secret, ...(rows[0] as { ownerId: string; keyId: string; algoId: string; recordingId: string }) };
}

/** Deletes the algo's runs ($1). */
const emptyQueue = (names: SqlNames): string => {
  const R = names.table('AlgoRun');
  return `DELETE FROM ${R.table} WHERE ${R.c.algoId} = $1`;
};

async function fill(
  client: pg.Client,
  names: SqlNames,
  p: { ownerId: string; algoId: string; recordingId: string },
  n: number,
): Promise<void> {
  const R = names.table('AlgoRun');
  const r = R.c;
  await client.query(emptyQueue(names), [p.algoId]);
  await client.query(
    `INSERT INTO ${R.table} (${r.id}, ${r.userId}, ${r.algoId}, ${r.recordingId}, ${r.maxAttempts}, ${r.createdAt}, ${r.updatedAt})
     SELECT ${uuid7}, $1, $2, $3, 3, now(), now() FROM generate_series(1, $4)`,
    [p.ownerId, p.algoId, p.recordingId, n],
  );
  await client.query(`ANALYZE ${R.table}`);
}

function post(agent: http.Agent, port: number, path: string, token: string, body: unknown): Promise<{ status: number; text: string }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

export async function runRunsBench(o: RunBenchOptions): Promise<RunResults> {
  const results: RunResults = {};
  const admin = new pg.Client(parsePgUrl(o.url).config);
  await admin.connect();
  // Metrics on any free port: another service on this machine may hold the default one.
  const env = { ...apiEnv(o.url), METRICS_PORT: '0' };
  const api = await startServer('api', entry(o.mode, 'src/main.ts'), env, await freePort(), `${o.outDir}/${o.stamp}-runs-api.log`);
  const pool = new pg.Pool({ ...parsePgUrl(o.url).config, max: WORKERS });
  const names = benchNames(o.url);
  const sql = statements(names);
  try {
    const p = await prepare(admin, names);
    const claimArgs = (limit: number) => [p.ownerId, null, limit, p.keyId, 'bench', 60, p.ownerId, null];

    if (o.scenarios.includes('runs-throughput')) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: WORKERS });
      await fill(admin, names, p, o.runs);
      let errors = 0;
      const cpu0 = api.cpuMs();
      let t = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: WORKERS }, async () => {
          for (;;) {
            const claim = await post(agent, api.port, '/api/v1/runs/claim', p.token, { limit: 1, leaseSeconds: 60 });
            if (claim.status === 204) return;
            if (claim.status !== 200) {
              errors++;
              continue;
            }
            const [lease] = (JSON.parse(claim.text) as { data: Array<{ run: { id: string }; leaseId: string }> }).data;
            const done = await post(agent, api.port, `/api/v1/runs/${lease?.run.id}/complete`, p.token, {
              leaseId: lease?.leaseId,
              result: { ok: 1 },
            });
            if (done.status !== 200) errors++;
          }
        }),
      );
      const apiSeconds = Number(process.hrtime.bigint() - t) / 1e9;
      const apiDrain: Drain = {
        runs: o.runs,
        seconds: apiSeconds,
        runsPerSec: o.runs / apiSeconds,
        cpuMsPerRun: (api.cpuMs() - cpu0) / o.runs,
        errors,
      };
      agent.destroy();
      o.say(
        `[runs] API: ${o.runs} runs claimed and completed by ${WORKERS} workers in ${apiSeconds.toFixed(1)} s: ${apiDrain.runsPerSec.toFixed(0)} runs/s, ${apiDrain.cpuMsPerRun.toFixed(2)} API CPU ms/run, ${errors} errors`,
      );

      await fill(admin, names, p, o.runs);
      const cpu = process.cpuUsage();
      t = process.hrtime.bigint();
      await Promise.all(
        Array.from({ length: WORKERS }, async () => {
          for (;;) {
            const { rows } = await pool.query<{ id: string; leaseId: string }>(sql.claim, claimArgs(1));
            const run = rows[0];
            if (!run) return;
            await pool.query(sql.complete, [run.id, run.leaseId, p.keyId, '{"ok":1}', false, null, p.ownerId, null]);
          }
        }),
      );
      const rawSeconds = Number(process.hrtime.bigint() - t) / 1e9;
      const used = process.cpuUsage(cpu);
      const raw: Drain = {
        runs: o.runs,
        seconds: rawSeconds,
        runsPerSec: o.runs / rawSeconds,
        cpuMsPerRun: (used.user + used.system) / 1000 / o.runs,
        errors: 0,
      };
      o.say(
        `[runs] raw SQL: the same ${o.runs} runs in ${rawSeconds.toFixed(1)} s: ${raw.runsPerSec.toFixed(0)} runs/s (client CPU ${raw.cpuMsPerRun.toFixed(2)} ms/run)`,
      );
      results.throughput = { workers: WORKERS, api: apiDrain, raw, ratio: apiDrain.runsPerSec / raw.runsPerSec };
      await admin.query(emptyQueue(names), [p.algoId]);
    }

    if (o.scenarios.includes('runs-claim-empty')) {
      await admin.query(emptyQueue(names), [p.algoId]);
      const load = async (connections: number) => {
        const r = await autocannon({
          url: `http://127.0.0.1:${api.port}/api/v1/runs/claim`,
          method: 'POST',
          connections,
          duration: o.duration,
          headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
          body: '{}',
        });
        if (r.non2xx || r.errors) throw new Error(`claims on an empty queue: ${r.non2xx} non-2xx, ${r.errors} errors`);
        return { p50Ms: r.latency.p50, p99Ms: r.latency.p99, reqPerSec: Math.round(r.requests.average) };
      };
      const c1 = await load(1);
      const c8 = await load(8);
      const times: number[] = [];
      const until = Date.now() + o.duration * 1000;
      while (Date.now() < until) {
        const t0 = process.hrtime.bigint();
        await pool.query(sql.claim, claimArgs(1));
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      const raw = { p50Ms: quantile(times, 0.5), p99Ms: quantile(times, 0.99), perSec: times.length / o.duration };
      results.claimEmpty = { api: { c1, c8 }, raw };
      o.say(
        `[runs] empty-queue claim: API p50 ${c1.p50Ms} ms, p99 ${c1.p99Ms} ms at 1 connection; ${c8.reqPerSec} claims/s (p99 ${c8.p99Ms} ms) at 8; ` +
          `raw claim statement p50 ${raw.p50Ms.toFixed(2)} ms, p99 ${raw.p99Ms.toFixed(2)} ms`,
      );
    }
  } finally {
    await pool.end();
    await admin.end();
    await api.stop();
  }
  return results;
}
