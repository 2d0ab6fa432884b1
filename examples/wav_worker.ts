/**
 * A worker of algorithm runs (docs/runs.md), with the typed client (src/client): it claims runs
 * of the `wav-stats` algo (long polling), downloads each recording's WAV content, computes its
 * duration and the RMS and peak level of every channel, and completes the run with them — or
 * fails it (not retryable) when the content is missing or not a WAV file it can read.
 *
 *   BASE_URL=http://localhost:3000 TOKEN=bk_api_… npm run example:worker             (runs until Ctrl-C)
 *   npm run example:worker -- --base-url http://localhost:3000 --token bk_api_… --once --algo wav-stats
 *
 * TOKEN must be an API key of WORKER scope (POST /api/v1/api-keys with "scope": "WORKER") of the
 * algo's owner. --once: stop when a claim finds no work. Exits 0, 1 on an unexpected failure, 2 on
 * missing settings.
 */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { createApiClient, type ApiClient, type components } from '../src/client';

type Lease = components['schemas']['RunLease'];

const USAGE = `Usage: npm run example:worker -- --base-url <url> --token <worker key> [--algo wav-stats] [--once] [--wait 20]
   or: BASE_URL=<url> TOKEN=<worker key> npm run example:worker`;

function settings() {
  const { values } = parseArgs({
    options: {
      'base-url': { type: 'string' },
      token: { type: 'string' },
      algo: { type: 'string', default: 'wav-stats' },
      once: { type: 'boolean', default: false },
      wait: { type: 'string', default: '20' },
    },
  });
  const baseUrl = values['base-url'] ?? process.env.BASE_URL;
  const token = values.token ?? process.env.TOKEN;
  if (!baseUrl || !token) {
    console.error(`Missing ${[!baseUrl && 'a base URL', !token && 'a worker key'].filter(Boolean).join(' and ')}.\n${USAGE}`);
    process.exit(2);
  }
  return { baseUrl, token, algo: values.algo, once: values.once, waitSeconds: Math.min(30, Math.max(0, Number(values.wait))) };
}

/** A file this worker cannot analyse: the run fails for good (retrying would not help). */
class Unreadable extends Error {}

export interface WavStats {
  durationSeconds: number;
  sampleRateHz: number;
  channels: number;
  bitsPerSample: number;
  encoding: 'pcm' | 'float';
  frames: number;
  /** Per channel, of samples scaled to [-1, 1]. */
  rms: number[];
  /** 20·log10(rms); null for a silent channel. */
  rmsDbfs: Array<number | null>;
  peak: number[];
}

/** Reads a RIFF/WAVE file of PCM (8, 16, 24, 32 bits) or IEEE float (32, 64 bits) samples. */
export function wavStats(file: Buffer): WavStats {
  if (file.length < 12 || file.toString('latin1', 0, 4) !== 'RIFF' || file.toString('latin1', 8, 12) !== 'WAVE') {
    throw new Unreadable('not a RIFF/WAVE file');
  }
  let format: { tag: number; channels: number; rate: number; bits: number } | undefined;
  for (let at = 12; at + 8 <= file.length;) {
    const id = file.toString('latin1', at, at + 4);
    const size = file.readUInt32LE(at + 4);
    const body = file.subarray(at + 8, Math.min(file.length, at + 8 + size));
    if (id === 'fmt ') {
      let tag = body.readUInt16LE(0);
      if (tag === 0xfffe && body.length >= 26) tag = body.readUInt16LE(24); // WAVE_FORMAT_EXTENSIBLE: the sub-format
      format = { tag, channels: body.readUInt16LE(2), rate: body.readUInt32LE(4), bits: body.readUInt16LE(14) };
    } else if (id === 'data') {
      if (!format) throw new Unreadable('the data chunk comes before the fmt chunk');
      return measure(body, format);
    }
    at += 8 + size + (size % 2);
  }
  throw new Unreadable('no data chunk');
}

function measure(data: Buffer, f: { tag: number; channels: number; rate: number; bits: number }): WavStats {
  const bytes = f.bits / 8;
  const read: ((at: number) => number) | undefined =
    f.tag === 1
      ? {
          1: (at: number) => (data.readUInt8(at) - 128) / 128,
          2: (at: number) => data.readInt16LE(at) / 32768,
          3: (at: number) => data.readIntLE(at, 3) / 8388608,
          4: (at: number) => data.readInt32LE(at) / 2147483648,
        }[bytes]
      : f.tag === 3
        ? { 4: (at: number) => data.readFloatLE(at), 8: (at: number) => data.readDoubleLE(at) }[bytes]
        : undefined;
  if (!read || f.channels < 1 || f.rate < 1) throw new Unreadable(`unsupported encoding (format ${f.tag}, ${f.bits} bits)`);
  const frameBytes = bytes * f.channels;
  const frames = Math.floor(data.length / frameBytes);
  const sums = new Array<number>(f.channels).fill(0);
  const peak = new Array<number>(f.channels).fill(0);
  for (let frame = 0; frame < frames; frame++) {
    for (let c = 0; c < f.channels; c++) {
      const v = read(frame * frameBytes + c * bytes);
      sums[c] = (sums[c] as number) + v * v;
      peak[c] = Math.max(peak[c] as number, Math.abs(v));
    }
  }
  const rms = sums.map((s) => (frames ? Math.sqrt(s / frames) : 0));
  return {
    durationSeconds: frames / f.rate,
    sampleRateHz: f.rate,
    channels: f.channels,
    bitsPerSample: f.bits,
    encoding: f.tag === 1 ? 'pcm' : 'float',
    frames,
    rms,
    rmsDbfs: rms.map((r) => (r > 0 ? Math.round(2000 * Math.log10(r)) / 100 : null)),
    peak,
  };
}

async function work(api: ApiClient, lease: Lease): Promise<void> {
  const { run, leaseId, recording } = lease;
  const path = { id: run.id };
  const fail = async (message: string, retryable: boolean) => {
    const res = await api.POST('/api/v1/runs/{id}/fail', { params: { path }, body: { leaseId, error: { message }, retryable } });
    console.log(`  ✘ ${recording.name}: ${message} (run ${res.data?.status ?? `HTTP ${res.response.status}`})`);
  };
  try {
    if (!recording.contentUrl) return await fail('the recording has no content', false);
    const download = await api.GET('/api/v1/recordings/{id}/content', { params: { path: { id: recording.id } }, parseAs: 'arrayBuffer' });
    if (!download.data) throw new Error(`download: HTTP ${download.response.status}`);
    const file = Buffer.from(download.data as unknown as ArrayBuffer);
    const beat = await api.POST('/api/v1/runs/{id}/heartbeat', {
      params: { path },
      body: { leaseId, progress: 0.5, message: `downloaded ${file.length} bytes` },
    });
    // 409: the lease is gone (cancelled, or it expired and another worker has the run): stop here.
    if (beat.response.status === 409) return console.log(`  … ${recording.name}: lease lost (${beat.error?.detail ?? ''}); dropped`);
    const stats = wavStats(file);
    const done = await api.POST('/api/v1/runs/{id}/complete', { params: { path }, body: { leaseId, result: { ...stats } } });
    if (!done.data) throw new Error(`complete: HTTP ${done.response.status} ${done.error?.detail ?? ''}`);
    console.log(
      `  ✔ ${recording.name}: ${stats.durationSeconds.toFixed(3)} s, ${stats.channels} channel(s), RMS ${stats.rms.map((r) => r.toFixed(4)).join('/')}`,
    );
  } catch (err) {
    await fail((err as Error).message, !(err instanceof Unreadable));
  }
}

async function main(): Promise<void> {
  const s = settings();
  const api = createApiClient({ baseUrl: s.baseUrl, token: s.token });
  const worker = `${hostname()}/${process.pid}`;
  let stopping = false;
  process.on('SIGINT', () => (stopping = true));
  process.on('SIGTERM', () => (stopping = true));
  console.log(`worker ${worker}: claiming runs of ${s.algo} from ${s.baseUrl}`);
  while (!stopping) {
    const claim = await api.POST('/api/v1/runs/claim', {
      body: { limit: 4, waitSeconds: s.waitSeconds, leaseSeconds: 60, algos: [{ name: s.algo }], worker },
    });
    if (claim.response.status === 204) {
      if (s.once) break;
      continue;
    }
    if (!claim.data) throw new Error(`claim: HTTP ${claim.response.status} ${claim.error?.detail ?? ''}`);
    for (const lease of claim.data.data) await work(api, lease);
  }
  console.log('no more work: done');
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`✘ ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
