/**
 * Resumable uploads (tus 1.0): the protocol answers (through supertest, so the OpenAPI contract
 * checks them), tus-js-client uploading and resuming against a listening server, the same
 * verification as PUT at the end, and expiry.
 */
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import * as tus from 'tus-js-client';
import { sweepContent } from '../../../src/content/sweep';
import { authHeader, binary, createRecording, createUser, resetContent, startContentApp, type ContentApp } from '../../support/content';
import { wavFile } from '../../support/recording-files';
import type { TestUser } from '../../support/factories';

const TUS = { 'Tus-Resumable': '1.0.0' };
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let t: ContentApp;
let server: Server;
let base: string;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  t = startContentApp();
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});
beforeEach(async () => {
  await resetContent(t);
  alice = await createUser(t.db);
  bob = await createUser(t.db);
});

describe('the tus protocol', () => {
  test('when a client discovers, creates, appends and finishes, then each answer is the protocol’s and the file is committed', async () => {
    const rec = await createRecording(t.app, alice, { format: 'application/octet-stream' });
    const uploads = `/api/v1/recordings/${String(rec.id)}/uploads`;
    const options = await request(t.app).options(uploads).set(authHeader(alice.token)).expect(204);
    expect(options.headers).toMatchObject({
      'tus-version': '1.0.0',
      'tus-extension': 'creation,creation-with-upload,termination,expiration',
    });

    const missing = await request(t.app).post(uploads).set(authHeader(alice.token)).set('Upload-Length', '10').expect(412);
    expect(missing.headers['content-type']).toMatch(/problem\+json/);

    const created = await request(t.app)
      .post(uploads)
      .set(authHeader(alice.token))
      .set(TUS)
      .set('Upload-Length', '10')
      .set('Upload-Metadata', `filename ${b64('a.bin')}`)
      .expect(201);
    const url = created.headers.location as string;
    expect(url).toMatch(new RegExp(`^${uploads}/[0-9a-f-]{36}$`));

    const head = await request(t.app).head(url).set(authHeader(alice.token)).set(TUS).expect(200);
    expect(head.headers).toMatchObject({ 'upload-offset': '0', 'upload-length': '10', 'cache-control': 'no-store' });
    await request(t.app).head(url).set(authHeader(bob.token)).set(TUS).expect(404);

    const patch = (offset: number, body: string) =>
      request(t.app)
        .patch(url)
        .set(authHeader(alice.token))
        .set(TUS)
        .set('Upload-Offset', String(offset))
        .set('Content-Type', 'application/offset+octet-stream')
        .send(Buffer.from(body));
    expect((await patch(0, '01234').expect(204)).headers['upload-offset']).toBe('5');
    await patch(2, 'xxxxx').expect(409);
    await patch(5, '56789').expect(204);

    const down = await request(t.app)
      .get(`/api/v1/recordings/${String(rec.id)}/content`)
      .set(authHeader(alice.token))
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect((down.body as Buffer).toString()).toBe('0123456789');
    expect(await t.db.prisma.contentUpload.count()).toBe(0);
    await request(t.app).head(url).set(authHeader(alice.token)).set(TUS).expect(404);
  });

  test('when an upload is abandoned with DELETE, then its bytes and row are gone', async () => {
    const rec = await createRecording(t.app, alice, { format: 'application/octet-stream' });
    const created = await request(t.app)
      .post(`/api/v1/recordings/${String(rec.id)}/uploads`)
      .set(authHeader(alice.token))
      .set(TUS)
      .set('Upload-Length', '100')
      .set('Content-Type', 'application/offset+octet-stream')
      .send(Buffer.alloc(40, 1))
      .expect(201);
    expect(created.headers['upload-offset']).toBe('40');
    const url = created.headers.location as string;
    await request(t.app).delete(url).set(authHeader(alice.token)).set(TUS).expect(204);
    await request(t.app).head(url).set(authHeader(alice.token)).set(TUS).expect(404);
    expect(await t.db.prisma.contentUpload.count()).toBe(0);
    const staged: string[] = [];
    for await (const s of t.store.staging.list()) staged.push(s.id);
    expect(staged).toEqual([]);
  });

  test('when Upload-Length is over the limit or the quota, then 413 before any byte', async () => {
    const small = startContentApp({ CONTENT_MAX_BYTES: '1kb', CONTENT_QUOTA_BYTES: '512' });
    try {
      const user = await createUser(small.db);
      const rec = await createRecording(small.app, user, { format: 'application/octet-stream' });
      const post = (length: number) =>
        request(small.app)
          .post(`/api/v1/recordings/${String(rec.id)}/uploads`)
          .set(authHeader(user.token))
          .set(TUS)
          .set('Upload-Length', String(length));
      await post(2048).expect(413);
      const quota = await post(600).expect(413);
      expect(quota.body.type).toBe('/problems/quota-exceeded');
      await post(500).expect(201);
      // the unfinished upload holds its 500 bytes of the quota
      expect((await post(100).expect(413)).body.type).toBe('/problems/quota-exceeded');
    } finally {
      await small.close();
    }
  });

  test('when an upload is past its expiry, then PATCH is 410 and the sweep removes it', async () => {
    const rec = await createRecording(t.app, alice, { format: 'application/octet-stream' });
    const created = await request(t.app)
      .post(`/api/v1/recordings/${String(rec.id)}/uploads`)
      .set(authHeader(alice.token))
      .set(TUS)
      .set('Upload-Length', '10')
      .set('Content-Type', 'application/offset+octet-stream')
      .send(Buffer.from('abc'))
      .expect(201);
    const url = created.headers.location as string;
    const id = url.split('/').pop() as string;
    const past = new Date(Date.now() - 48 * 3_600_000);
    await t.db.prisma.contentUpload.update({ where: { id }, data: { expiresAt: past } });
    await request(t.app)
      .patch(url)
      .set(authHeader(alice.token))
      .set(TUS)
      .set('Upload-Offset', '3')
      .set('Content-Type', 'application/offset+octet-stream')
      .send(Buffer.from('def'))
      .expect(410);
    const report = await sweepContent({ prisma: t.db.prisma, store: t.store });
    expect(report.expiredUploads).toBe(1);
    expect(await t.store.staging.size(id)).toBe(0);
    await request(t.app).head(url).set(authHeader(alice.token)).set(TUS).expect(404);
  });
});

function tusUpload(file: Buffer, recordingId: unknown, token: string, options: Partial<tus.UploadOptions> = {}): tus.Upload {
  return new tus.Upload(file, {
    endpoint: `${base}/api/v1/recordings/${String(recordingId)}/uploads`,
    headers: { Authorization: `Bearer ${token}` },
    chunkSize: 64 * 1024,
    retryDelays: [],
    storeFingerprintForResuming: false,
    ...options,
  });
}

const run = (upload: tus.Upload): Promise<void> =>
  new Promise((resolve, reject) => {
    upload.options.onSuccess = () => resolve();
    upload.options.onError = (err) => reject(err);
    upload.start();
  });

describe('tus-js-client', () => {
  test('when a WAV file is uploaded in chunks, then it is verified, its header read and committed like a PUT', async () => {
    const rec = await createRecording(t.app, alice, { modality: 'AUDIO', format: 'audio/wav' });
    const file = wavFile({ channels: 1, sampleRate: 22050, bitsPerSample: 16, frames: 110_250 });
    await run(tusUpload(file, rec.id, alice.token, { metadata: { sha256: sha256(file) } }));
    const row = await request(t.app)
      .get(`/api/v1/recordings/${String(rec.id)}`)
      .set(authHeader(alice.token))
      .expect(200);
    expect(row.body).toMatchObject({
      status: 'READY',
      sha256: sha256(file),
      sizeBytes: String(file.length),
      sampleRateHz: 22050,
      channelCount: 1,
      durationMs: 5000,
    });
    expect(await t.db.prisma.eventLog.count({ where: { entityId: String(rec.id), action: 'recording.content_uploaded' } })).toBe(1);
  });

  test('when an upload is interrupted, then a new client resumes from the server’s offset and the file is whole', async () => {
    const rec = await createRecording(t.app, alice, { format: 'application/octet-stream' });
    const file = Buffer.alloc(600 * 1024);
    for (let i = 0; i < file.length; i++) file[i] = (i * 31) & 0xff;
    let url = '';
    await new Promise<void>((resolve, reject) => {
      const first = tusUpload(file, rec.id, alice.token, {
        onChunkComplete(_size, accepted) {
          if (accepted >= 3 * 64 * 1024) {
            url = first.url ?? '';
            void first.abort().then(resolve, reject);
          }
        },
        onError: reject,
        onSuccess: () => reject(new Error('finished without interruption')),
      });
      first.start();
    });
    const head = await request(t.app).head(new URL(url).pathname).set(authHeader(alice.token)).set(TUS).expect(200);
    const offset = Number(head.headers['upload-offset']);
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThan(file.length);

    let firstProgress: number | undefined;
    await run(tusUpload(file, rec.id, alice.token, { uploadUrl: url, onProgress: (sent) => (firstProgress ??= sent) }));
    expect(firstProgress).toBeGreaterThanOrEqual(offset);
    const down = await request(t.app)
      .get(`/api/v1/recordings/${String(rec.id)}/content`)
      .set(authHeader(alice.token))
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(sha256(down.body as Buffer)).toBe(sha256(file));
  });

  test('when the declared sha256 does not match, then the finishing PATCH is a 422 and nothing is kept', async () => {
    const rec = await createRecording(t.app, alice, { format: 'application/octet-stream' });
    const err = await run(tusUpload(Buffer.alloc(1000, 7), rec.id, alice.token, { metadata: { sha256: 'f'.repeat(64) } })).catch(
      (e: unknown) => e,
    );
    expect(String(err)).toMatch(/422/);
    expect(await t.keys()).toEqual([]);
    expect(await t.db.prisma.contentUpload.count()).toBe(0);
    const row = await request(t.app)
      .get(`/api/v1/recordings/${String(rec.id)}`)
      .set(authHeader(alice.token))
      .expect(200);
    expect(row.body).toMatchObject({ status: 'PENDING', sizeBytes: null });
  });
});
