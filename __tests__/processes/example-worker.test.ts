/**
 * examples/wav_worker.ts, run as a worker author would run it: a child process with a WORKER key
 * against the real server (src/main.ts on the test database). It must complete the runs of WAV
 * recordings with their duration and RMS, fail (for good) the runs it cannot do, and exit 0 with
 * --once when the queue is empty. Every response it receives is checked against the OpenAPI document.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { startTestApp, truncateAll, type TestApp } from '../support/app';
import { exampleRunner, startServer } from '../support/example-client';
import { authHeader, createUser } from '../support/factories';
import { createAlgo, createRecording, startRuns, workerKey } from '../support/runs';

const dir = mkdtempSync(path.join(os.tmpdir(), 'backendapi-wav-worker-'));
const example = exampleRunner('examples/wav_worker.ts');
const runWorker = (env: Record<string, string>, args: string[]) => example.run(env, args);

/** A PCM WAV file: `channels[c](i)` is channel c's sample i in [-1, 1]. */
function wav(rate: number, frames: number, bits: 16 | 24, channels: Array<(i: number) => number>): Buffer {
  const bytes = bits / 8;
  const data = Buffer.alloc(frames * channels.length * bytes);
  for (let i = 0; i < frames; i++) {
    channels.forEach((f, c) => data.writeIntLE(Math.round(f(i) * (2 ** (bits - 1) - 1)), (i * channels.length + c) * bytes, bytes));
  }
  const head = Buffer.alloc(44);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(36 + data.length, 4);
  head.write('WAVEfmt ', 8, 'latin1');
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20);
  head.writeUInt16LE(channels.length, 22);
  head.writeUInt32LE(rate, 24);
  head.writeUInt32LE(rate * channels.length * bytes, 28);
  head.writeUInt16LE(channels.length * bytes, 32);
  head.writeUInt16LE(bits, 34);
  head.write('data', 36, 'latin1');
  head.writeUInt32LE(data.length, 40);
  return Buffer.concat([head, data]);
}

describe('examples/wav_worker.ts against a running server', () => {
  let t: TestApp;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let baseUrl: string;
  beforeAll(async () => {
    t = startTestApp();
    server = await startServer({ MIGRATE_ON_START: 'false', STORAGE_DIR: path.join(dir, 'content') });
    baseUrl = server.baseUrl;
  }, 70_000);
  afterAll(async () => {
    await server?.stop();
    await t.close();
    example.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when runs of wav-stats are queued, then it completes the WAV ones with duration and RMS and fails the others, then exits 0', async () => {
    await truncateAll(t.db);
    const owner = await createUser(t.db);
    const member = await createUser(t.db);
    const key = await workerKey(t.db, owner);
    const algo = await createAlgo(t.app, owner, { name: 'wav-stats', version: '1.0.0' });
    const upload = async (format: string, body: Buffer | string) => {
      const rec = await createRecording(t.app, member, { format, modality: 'AUDIO' });
      // Through the server, whose content store the worker reads.
      const put = request(baseUrl).put(`/api/v1/recordings/${rec.id}/content`).set(authHeader(member.token)).set('Content-Type', format);
      await put.send(body).expect(201);
      return rec;
    };
    const rate = 8000;
    const tone = (amplitude: number) => (i: number) => amplitude * Math.sin((2 * Math.PI * 440 * i) / rate);
    const stereo = await upload('audio/wav', wav(rate, rate / 2, 16, [tone(0.5), () => 0.25]));
    const mono24 = await upload('audio/wav', wav(rate, rate, 24, [tone(0.8)]));
    const csv = await upload('text/csv', 't,v\n0,1\n');
    const empty = await createRecording(t.app, member);
    const runs = await startRuns(
      t.app,
      member,
      algo.id,
      [stereo, mono24, csv, empty].map((r) => ({ recordingId: r.id })),
    );

    const { code, output, responses } = await runWorker({ BASE_URL: baseUrl, TOKEN: key.token }, ['--once', '--wait', '1']);
    expect({ code, output }).toEqual({ code: 0, output: expect.stringContaining('no more work: done') });
    expect(responses).toBeGreaterThanOrEqual(4 + 3 * 2);

    const byId = new Map((await t.db.prisma.algoRun.findMany({ where: { algoId: algo.id } })).map((r) => [r.recordingId, r]));
    const result = (id: string) => byId.get(id)?.result as { durationSeconds: number; channels: number; rms: number[]; frames: number };
    expect(byId.get(stereo.id)).toMatchObject({ status: 'SUCCEEDED', attempts: 1, progress: 1 });
    expect(result(stereo.id)).toMatchObject({ durationSeconds: 0.5, channels: 2, frames: 4000, sampleRateHz: 8000, bitsPerSample: 16 });
    expect(result(stereo.id).rms[0]).toBeCloseTo(0.5 / Math.SQRT2, 3);
    expect(result(stereo.id).rms[1]).toBeCloseTo(0.25, 3);
    expect(byId.get(mono24.id)).toMatchObject({ status: 'SUCCEEDED' });
    expect(result(mono24.id)).toMatchObject({ durationSeconds: 1, channels: 1, bitsPerSample: 24 });
    expect(result(mono24.id).rms[0]).toBeCloseTo(0.8 / Math.SQRT2, 3);
    expect(byId.get(csv.id)).toMatchObject({ status: 'FAILED', attempts: 1, error: { message: 'not a RIFF/WAVE file', retryable: false } });
    expect(byId.get(empty.id)).toMatchObject({ status: 'FAILED', error: { message: 'the recording has no content' } });
    expect(runs).toHaveLength(4);
  }, 90_000);

  it('when its key or the base URL is missing, then it says so and exits 2', async () => {
    const { code, output } = await runWorker({}, []);
    expect(code).toBe(2);
    expect(output).toContain('Missing a base URL and a worker key');
  });
});
