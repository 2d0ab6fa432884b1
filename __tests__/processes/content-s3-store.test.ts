/**
 * The S3 driver against a real S3-protocol server on loopback (fauxqs, __tests__/support/s3-server.ts):
 * multipart writes, ranged reads, listing, deletion, no object left by a failed write, staging of
 * resumable uploads; and the content API on it, PUT and tus alike.
 */
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import request from 'supertest';
import * as tus from 'tus-js-client';
import { loadConfig } from '../../src/core/config';
import { S3Store } from '../../src/storage/s3';
import { authHeader, binary, createRecording, createUser, resetContent, startContentApp, type ContentApp } from '../support/content';
import { edfFile } from '../support/recording-files';
import { startS3Server, type S3Server } from '../support/s3-server';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const KEY = 'recordings/01990000-0000-7000-8000-000000000001/01990000-0000-7000-8000-000000000002';
const UPLOAD = '01990000-0000-7000-8000-000000000003';
const bytes = (n: number): Buffer => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 131 + 7) & 0xff;
  return b;
};
const readAll = async (r: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

let s3: S3Server;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(() => s3.stop());

describe('the S3 driver', () => {
  let store: S3Store;
  beforeAll(async () => {
    await s3.createBucket('driver-test');
    const config = loadConfig({ ...s3.env('driver-test', { STORAGE_S3_PART_SIZE: '5mb', STORAGE_S3_PREFIX: 'app/' }) }).storage;
    store = new S3Store(config as Extract<typeof config, { driver: 's3' }>);
  });

  test('when a file larger than a part is written, then it is stored whole (multipart) and ranges read the right bytes', async () => {
    const file = bytes(11 * 1024 * 1024 + 321);
    await store.write(KEY, Readable.from([file.subarray(0, 4_000_000), file.subarray(4_000_000)]));
    expect(sha256(await readAll(await store.read(KEY)))).toBe(sha256(file));
    const start = 5 * 1024 * 1024 - 10;
    expect(Buffer.compare(await readAll(await store.read(KEY, { start, end: start + 19 })), file.subarray(start, start + 20))).toBe(0);
    const listed = [];
    for await (const o of store.list('recordings/')) listed.push(o);
    expect(listed).toEqual([{ key: KEY, size: file.length, modifiedAt: expect.any(Date) }]);
    await store.remove(KEY);
    await expect(store.read(KEY)).rejects.toThrow(/no object/);
    await store.remove(KEY); // removing a missing object is fine
  });

  test('when the source fails in the middle of a multipart write, then the multipart upload is aborted and no object is left', async () => {
    // The commands the driver sends, seen through the SDK's own middleware stack (the server here cannot list multipart uploads).
    const sent: string[] = [];
    store.client.middlewareStack.add(
      (next, context) => (args) => {
        sent.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'recordCommands' },
    );
    const source = new PassThrough();
    const writing = store.write(KEY, source);
    source.write(bytes(6 * 1024 * 1024));
    setTimeout(() => source.destroy(new Error('client went away')), 200);
    await expect(writing).rejects.toThrow(/client went away/);
    await expect(store.read(KEY)).rejects.toThrow(/no object/);
    store.client.middlewareStack.remove('recordCommands');
    expect(sent).toContain('CreateMultipartUploadCommand');
    expect(sent).toContain('AbortMultipartUploadCommand');
    expect(sent).not.toContain('CompleteMultipartUploadCommand');
  });

  test('when bytes are staged in several appends, one cut short, then size and read give what arrived, in order', async () => {
    await store.staging.append(UPLOAD, 0, Readable.from([bytes(7 * 1024 * 1024)]));
    const broken = new PassThrough();
    const appending = store.staging.append(UPLOAD, 7 * 1024 * 1024, broken);
    broken.write(Buffer.alloc(1000, 1));
    setTimeout(() => broken.destroy(new Error('cut')), 100);
    await expect(appending).rejects.toThrow(/cut/);
    expect(await store.staging.size(UPLOAD)).toBe(7 * 1024 * 1024 + 1000);
    const all = await readAll(await store.staging.read(UPLOAD));
    expect(all.length).toBe(7 * 1024 * 1024 + 1000);
    expect(Buffer.compare(all.subarray(0, 7 * 1024 * 1024), bytes(7 * 1024 * 1024))).toBe(0);
    const ids = [];
    for await (const s of store.staging.list()) ids.push(s.id);
    expect(ids).toEqual([UPLOAD]);
    await store.staging.remove(UPLOAD);
    expect(await store.staging.size(UPLOAD)).toBe(0);
  });

  test('when the bucket is reachable, then the readiness check says so; an unknown bucket fails it', async () => {
    expect(await store.check()).toMatchObject({ name: 'storage', ok: true });
    const config = loadConfig(s3.env('no-such-bucket')).storage;
    expect(await new S3Store(config as Extract<typeof config, { driver: 's3' }>).check()).toMatchObject({ ok: false });
  });
});

describe('the content API on S3', () => {
  let t: ContentApp;
  let server: Server;
  beforeAll(async () => {
    await s3.createBucket('api-test');
    t = startContentApp(s3.env('api-test', { STORAGE_S3_PART_SIZE: '5mb' }));
    server = t.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });
  beforeEach(() => resetContent(t));

  test('when an EDF file is PUT, GET by range and deleted, then S3 holds it, serves the range and lets it go', async () => {
    const alice = await createUser(t.db);
    const rec = await createRecording(t.app, alice);
    const file = edfFile({ signals: [{ label: 'EEG O1', samplesPerRecord: 256 }], records: 40 });
    const up = await request(t.app)
      .put(`/api/v1/recordings/${String(rec.id)}/content`)
      .set(authHeader(alice.token))
      .send(file)
      .expect(201);
    expect(up.body).toMatchObject({ sha256: sha256(file), channelCount: 1, durationMs: 40_000 });
    expect(await t.keys()).toHaveLength(1);
    const part = await request(t.app)
      .get(`/api/v1/recordings/${String(rec.id)}/content`)
      .set(authHeader(alice.token))
      .set('Range', 'bytes=256-511')
      .buffer(true)
      .parse(binary)
      .expect(206);
    expect(Buffer.compare(part.body as Buffer, file.subarray(256, 512))).toBe(0);
    const ready = await request(t.app).get('/readyz').expect(200);
    expect(ready.body.checks).toContainEqual({ name: 'storage', ok: true, detail: 's3' });
    await request(t.app)
      .delete(`/api/v1/recordings/${String(rec.id)}/content`)
      .set(authHeader(alice.token))
      .expect(204);
    expect(await t.keys()).toEqual([]);
  });

  test('when a file is uploaded with tus-js-client in pieces, then it is assembled in S3 and committed', async () => {
    const alice = await createUser(t.db);
    const rec = await createRecording(t.app, alice, { format: 'application/octet-stream' });
    const file = bytes(300 * 1024);
    await new Promise<void>((resolve, reject) => {
      new tus.Upload(file, {
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/recordings/${String(rec.id)}/uploads`,
        headers: { Authorization: `Bearer ${alice.token}` },
        chunkSize: 100 * 1024,
        retryDelays: [],
        metadata: { sha256: sha256(file) },
        onSuccess: () => resolve(),
        onError: reject,
      }).start();
    });
    const down = await request(t.app)
      .get(`/api/v1/recordings/${String(rec.id)}/content`)
      .set(authHeader(alice.token))
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(sha256(down.body as Buffer)).toBe(sha256(file));
    const staged = [];
    for await (const s of t.store.staging.list()) staged.push(s);
    expect(staged).toEqual([]);
  });
});
