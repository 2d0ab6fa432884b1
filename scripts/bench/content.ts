/**
 * The content scenarios of npm run bench (selectable: --scenarios content-transfer,content-concurrent):
 *   content-transfer    one large file (--content-size, default 1024 MB) PUT to and GET from the API
 *                       (filesystem driver, SHA-256 and header inspection on) and the raw baseline
 *                       (scripts/bench/content-baseline.ts), alternately, 3 times each; the API's RSS
 *                       above its idle RSS while it runs
 *   content-concurrent  32 clients each PUT a 1 MB file at once, 3 rounds: errors counted
 * The client sends one random 8 MB buffer over and over and throws the downloads away, so it
 * costs both servers the same.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { apiEnv, entry, freePort, startServer, type Server, type StartMode } from './servers';

export const CONTENT_SCENARIOS = ['content-transfer', 'content-concurrent'] as const;
export type ContentScenario = (typeof CONTENT_SCENARIOS)[number];

export interface ContentBenchOptions {
  url: string;
  mode: StartMode;
  scenarios: ContentScenario[];
  sizeMb: number;
  token: string;
  recordingIds: string[];
  outDir: string;
  stamp: string;
  say: (line: string) => void;
}

export interface Transfer {
  server: string;
  direction: 'upload' | 'download';
  mb: number;
  seconds: number;
  mbPerSec: number;
}

export interface ContentResults {
  transfers: Transfer[];
  uploadRatio?: number;
  downloadRatio?: number;
  apiIdleRssMb?: number;
  apiPeakRssMbDuringTransfers?: number;
  concurrent?: { clients: number; rounds: number; fileMb: number; errors: number; statuses: Record<string, number>; seconds: number[] };
  targets: Array<{ name: string; met: boolean; detail: string }>;
}

const CHUNK = randomBytes(8 * 1024 * 1024);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const rss = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
};

/** PUT `bytes` bytes (CHUNK repeated); resolves with the status and the seconds it took. */
function put(port: number, urlPath: string, bytes: number, token?: string): Promise<{ status: number; seconds: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'PUT',
        path: urlPath,
        agent: false,
        headers: {
          'Content-Type': 'application/octet-stream',
          'Content-Length': String(bytes),
          ...(token ? { Authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
      },
    );
    req.on('error', reject);
    let left = bytes;
    const write = (): void => {
      while (left > 0) {
        const piece = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
        left -= piece.length;
        if (!req.write(piece)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

function get(port: number, urlPath: string, token?: string): Promise<{ status: number; bytes: number; seconds: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, agent: false, headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
      })
      .on('error', reject);
  });
}

export async function runContentBench(o: ContentBenchOptions): Promise<ContentResults> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'backendapi-bench-content-'));
  const results: ContentResults = { transfers: [], targets: [] };
  const env = apiEnv(o.url);
  let api: Server | undefined;
  let baseline: Server | undefined;
  try {
    api = await startServer(
      'api',
      entry(o.mode, 'src/main.ts'),
      { ...env, STORAGE_DIR: path.join(dir, 'api'), CONTENT_MAX_BYTES: '64gb' },
      await freePort(),
      path.join(o.outDir, `${o.stamp}-content-api.log`),
    );
    baseline = await startServer(
      'baseline',
      entry(o.mode, 'scripts/bench/content-baseline.ts'),
      { BENCH_CONTENT_DIR: dir },
      await freePort(),
      path.join(o.outDir, `${o.stamp}-content-baseline.log`),
    );
    const [target, ...others] = o.recordingIds;
    if (!target || others.length < 32) throw new Error('the content bench needs 33 recordings of the bench user');
    const content = (id: string): string => `/api/v1/recordings/${id}/content`;
    // The seeded recordings declare EDF and a checksum; these files are neither.
    for (const id of [target, ...others.slice(0, 32)]) {
      const res = await fetch(`http://127.0.0.1:${api.port}/api/v1/recordings/${id}`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${o.token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ format: 'application/octet-stream', sha256: null }),
      });
      if (!res.ok) throw new Error(`preparing recording ${id}: HTTP ${res.status}`);
    }

    if (o.scenarios.includes('content-transfer')) {
      const bytes = o.sizeMb * 1024 * 1024;
      // Warm both up (JIT, the first file), then take the API's idle RSS.
      await put(api.port, content(target), 16 * 1024 * 1024, o.token);
      await put(baseline.port, '/warm', 16 * 1024 * 1024);
      await new Promise((r) => setTimeout(r, 1000));
      results.apiIdleRssMb = rss(api.pid);
      let peak = results.apiIdleRssMb;
      const apiPid = api.pid;
      const sampler = setInterval(() => (peak = Math.max(peak, rss(apiPid))), 100);
      try {
        for (let rep = 0; rep < 3; rep++) {
          const order = rep % 2 === 0 ? [api, baseline] : [baseline, api];
          for (const direction of ['upload', 'download'] as const) {
            for (const s of order) {
              const isApi = s === api;
              const r =
                direction === 'upload'
                  ? await put(s.port, isApi ? content(target) : '/big', bytes, isApi ? o.token : undefined)
                  : await get(s.port, isApi ? content(target) : '/big', isApi ? o.token : undefined);
              if (r.status >= 300) throw new Error(`${s.name} ${direction}: HTTP ${r.status}`);
              const t: Transfer = { server: s.name, direction, mb: o.sizeMb, seconds: r.seconds, mbPerSec: o.sizeMb / r.seconds };
              results.transfers.push(t);
              o.say(`[content] ${direction} ${o.sizeMb} MB ${s.name}: ${t.seconds.toFixed(2)} s, ${t.mbPerSec.toFixed(0)} MB/s`);
            }
          }
        }
      } finally {
        clearInterval(sampler);
      }
      results.apiPeakRssMbDuringTransfers = peak;
      const rate = (server: string, direction: string): number =>
        median(results.transfers.filter((t) => t.server === server && t.direction === direction).map((t) => t.mbPerSec));
      results.uploadRatio = rate('api', 'upload') / rate('baseline', 'upload');
      results.downloadRatio = rate('api', 'download') / rate('baseline', 'download');
      const growth = peak - results.apiIdleRssMb;
      results.targets.push(
        {
          name: 'content upload ratio >= 0.8',
          met: results.uploadRatio >= 0.8,
          detail: `API ${rate('api', 'upload').toFixed(0)} MB/s, baseline ${rate('baseline', 'upload').toFixed(0)} MB/s (medians): ${results.uploadRatio.toFixed(2)}`,
        },
        {
          name: 'content download ratio >= 0.8',
          met: results.downloadRatio >= 0.8,
          detail: `API ${rate('api', 'download').toFixed(0)} MB/s, baseline ${rate('baseline', 'download').toFixed(0)} MB/s (medians): ${results.downloadRatio.toFixed(2)}`,
        },
        {
          name: 'API RSS growth during transfers < 50 MB',
          met: growth < 50,
          detail: `idle ${results.apiIdleRssMb.toFixed(0)} MB, peak ${peak.toFixed(0)} MB: +${growth.toFixed(0)} MB`,
        },
      );
    }

    if (o.scenarios.includes('content-concurrent')) {
      const clients = 32;
      const statuses: Record<string, number> = {};
      const seconds: number[] = [];
      let errors = 0;
      for (let round = 0; round < 3; round++) {
        const started = Date.now();
        const outcomes = await Promise.allSettled(others.slice(0, clients).map((id) => put(api!.port, content(id), 1024 * 1024, o.token)));
        seconds.push((Date.now() - started) / 1000);
        for (const out of outcomes) {
          const key = out.status === 'fulfilled' ? String(out.value.status) : 'network error';
          statuses[key] = (statuses[key] ?? 0) + 1;
          if (out.status === 'rejected' || out.value.status >= 300) errors++;
        }
        o.say(
          `[content] ${clients} concurrent 1 MB uploads, round ${round + 1}: ${seconds[round]?.toFixed(2)} s, ${JSON.stringify(statuses)}`,
        );
      }
      results.concurrent = { clients, rounds: 3, fileMb: 1, errors, statuses, seconds };
      results.targets.push({
        name: '32 concurrent 1 MB uploads without errors',
        met: errors === 0,
        detail: `${errors} errors in ${clients * 3} uploads`,
      });
    }
  } finally {
    await api?.stop();
    await baseline?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
