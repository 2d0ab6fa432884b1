/**
 * PUT/GET/HEAD/DELETE /recordings/{id}/content on the filesystem driver (a temporary directory):
 * the file, its checksum and header facts, the event log, ranges and validators, and every
 * refusal leaving the previous content and the row as they were.
 */
import { createHash } from 'node:crypto';
import request from 'supertest';
import {
  authHeader,
  binary,
  createRecording,
  createUser,
  resetContent,
  startContentApp,
  until,
  type ContentApp,
} from '../../support/content';
import { edfFile, wavFile } from '../../support/recording-files';
import type { TestUser } from '../../support/factories';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const eeg = [
  { label: 'EEG C3', samplesPerRecord: 200 },
  { label: 'EEG C4', samplesPerRecord: 200 },
];

let t: ContentApp;
let alice: TestUser;
let bob: TestUser;

beforeAll(() => {
  t = startContentApp({ CONTENT_MAX_BYTES: '2mb' });
});
afterAll(() => t.close());
beforeEach(async () => {
  await resetContent(t);
  alice = await createUser(t.db);
  bob = await createUser(t.db);
});

const put = (id: unknown, body: Buffer, user = alice) =>
  request(t.app)
    .put(`/api/v1/recordings/${String(id)}/content`)
    .set(authHeader(user.token))
    .set('Content-Type', 'application/octet-stream')
    .send(body);
const get = (id: unknown, user = alice) =>
  request(t.app)
    .get(`/api/v1/recordings/${String(id)}/content`)
    .set(authHeader(user.token))
    .buffer(true)
    .parse(binary);

describe('uploading and downloading a file', () => {
  test('when an EDF file is PUT, then the recording gets its size, checksum, READY and the header facts, in one event', async () => {
    const rec = await createRecording(t.app, alice, { sampleRateHz: 100, channelCount: 9 });
    const file = edfFile({ signals: eeg, records: 30, reserved: 'EDF+C' });
    const res = await put(rec.id, file).expect(201);
    expect(res.headers.etag).toBe(`"${sha256(file)}"`);
    expect(res.headers['repr-digest']).toBe(`sha-256=:${createHash('sha256').update(file).digest('base64')}:`);
    expect(res.headers.location).toBe(`/api/v1/recordings/${String(rec.id)}/content`);
    expect(res.body).toMatchObject({
      sizeBytes: String(file.length),
      sha256: sha256(file),
      status: 'READY',
      sampleRateHz: 200,
      channelCount: 2,
      durationMs: 30_000,
      recordedAt: '2026-03-02T21:30:05.000Z',
      metadata: { fileHeader: { format: 'EDF+C', signals: [{ label: 'EEG C3' }, { label: 'EEG C4' }] } },
    });
    expect(res.body).not.toHaveProperty('contentKey');
    const events = await t.db.prisma.eventLog.findMany({ where: { entityId: String(rec.id), action: 'recording.content_uploaded' } });
    expect(events).toHaveLength(1);
    expect(events[0]?.changes).toMatchObject({
      before: { sampleRateHz: 100, channelCount: 9, status: 'PENDING' },
      after: { sampleRateHz: 200, channelCount: 2 },
    });

    const down = await get(rec.id).expect(200);
    expect(Buffer.compare(down.body as Buffer, file)).toBe(0);
    expect(down.headers).toMatchObject({
      'content-type': 'application/x-edf',
      'content-length': String(file.length),
      'accept-ranges': 'bytes',
      'x-content-type-options': 'nosniff',
      etag: `"${sha256(file)}"`,
    });
    expect(down.headers['content-disposition']).toBe('attachment; filename="night 1.edf"');
  });

  test('when a WAV file is PUT with the digest it declares, then it is kept and HEAD tells its size', async () => {
    const rec = await createRecording(t.app, alice, { modality: 'AUDIO', format: 'audio/wav', name: 'ward/../rounds "am"' });
    const file = wavFile({ channels: 2, sampleRate: 16000, bitsPerSample: 16, frames: 8000, encoding: 'extensible' });
    const digest = `sha-256=:${createHash('sha256').update(file).digest('base64')}:`;
    const res = await put(rec.id, file).set('Content-Digest', digest).expect(201);
    expect(res.body).toMatchObject({ sampleRateHz: 16000, channelCount: 2, durationMs: 500 });
    const head = await request(t.app)
      .head(`/api/v1/recordings/${String(rec.id)}/content`)
      .set(authHeader(alice.token))
      .expect(200);
    expect(head.headers['content-length']).toBe(String(file.length));
    expect(head.headers['content-disposition']).toBe('attachment; filename="ward_.._rounds _am_.wav"');
  });

  test('when a range is asked for, then it is a 206 of those bytes; past the end, a 416 with the size', async () => {
    const rec = await createRecording(t.app, alice, { format: 'application/octet-stream' });
    const file = Buffer.from('0123456789abcdefghij');
    await put(rec.id, file).expect(201);
    const part = await get(rec.id).set('Range', 'bytes=5-9').expect(206);
    expect((part.body as Buffer).toString()).toBe('56789');
    expect(part.headers['content-range']).toBe('bytes 5-9/20');
    expect(((await get(rec.id).set('Range', 'bytes=-3').expect(206)).body as Buffer).toString()).toBe('hij');
    const none = await request(t.app)
      .get(`/api/v1/recordings/${String(rec.id)}/content`)
      .set(authHeader(alice.token))
      .set('Range', 'bytes=20-')
      .expect(416);
    expect(none.headers['content-range']).toBe('bytes */20');
    expect(none.headers['content-type']).toMatch(/problem\+json/);
    // an If-Range for another version gets the whole file
    expect((await get(rec.id).set('Range', 'bytes=0-1').set('If-Range', '"other"').expect(200)).body).toHaveLength(20);
  });

  test('when If-None-Match names the content, then 304', async () => {
    const rec = await createRecording(t.app, alice, { format: 'application/octet-stream' });
    const up = await put(rec.id, Buffer.from('abc')).expect(201);
    await request(t.app)
      .get(`/api/v1/recordings/${String(rec.id)}/content`)
      .set(authHeader(alice.token))
      .set('If-None-Match', up.headers.etag as string)
      .expect(304);
  });

  test('when the recording has no content, or is someone else’s, then 404 problem+json', async () => {
    const rec = await createRecording(t.app, alice);
    const res = await request(t.app)
      .get(`/api/v1/recordings/${String(rec.id)}/content`)
      .set(authHeader(alice.token))
      .expect(404);
    expect(res.body.detail).toMatch(/no content/);
    await put(rec.id, Buffer.from('x'), bob).expect(404);
  });

  test('when a new file replaces the old one, then 200, only the new object remains, and the old one is served until then', async () => {
    const rec = await createRecording(t.app, alice, { format: 'application/octet-stream' });
    await put(rec.id, Buffer.from('first')).expect(201);
    const before = await t.keys();
    await put(rec.id, Buffer.from('second')).expect(200);
    const after = await t.keys();
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
    expect(((await get(rec.id).expect(200)).body as Buffer).toString()).toBe('second');
  });
});

describe('refusals keep the previous content and the row', () => {
  async function withContent(): Promise<{ id: string; etag: string; row: unknown }> {
    const rec = await createRecording(t.app, alice, { format: 'application/x-edf' });
    const up = await put(rec.id, edfFile({ signals: eeg, records: 2 })).expect(201);
    return { id: String(rec.id), etag: up.headers.etag as string, row: up.body };
  }
  async function unchanged(id: string, row: unknown): Promise<void> {
    const now = await request(t.app).get(`/api/v1/recordings/${id}`).set(authHeader(alice.token)).expect(200);
    expect(now.body).toEqual(row);
    expect(await t.keys()).toHaveLength(1);
    await get(id).expect(200);
  }

  test('when the Content-Digest does not match, then 422 digest-mismatch', async () => {
    const { id, row } = await withContent();
    const res = await put(id, edfFile({ signals: eeg, records: 3 }))
      .set('Repr-Digest', `sha-256=:${Buffer.alloc(32).toString('base64')}:`)
      .expect(422);
    expect(res.body.type).toBe('/problems/digest-mismatch');
    await unchanged(id, row);
  });

  test('when the header of the declared format is malformed, then 422 naming the problem, and nothing is kept', async () => {
    const { id, row } = await withContent();
    const broken = edfFile({ signals: eeg, records: 3, patch: [{ offset: 168, text: '99.99.99' }] });
    const res = await put(id, broken).expect(422);
    expect(res.body).toMatchObject({ type: '/problems/malformed-file', detail: expect.stringMatching(/start date|start/) });
    await unchanged(id, row);
  });

  test('when If-Match is stale, then 412', async () => {
    const { id, row } = await withContent();
    await put(id, Buffer.from('x')).set('If-Match', '"stale"').expect(412);
    await unchanged(id, row);
  });

  test('when Content-Length is over the limit, then 413 before anything is stored', async () => {
    const { id, row } = await withContent();
    const res = await put(id, Buffer.alloc(3 * 1024 * 1024)).expect(413);
    expect(res.body.type).toBe('/problems/payload-too-large');
    await unchanged(id, row);
  });

  test('when a chunked body passes the limit, then 413 and no partial object', async () => {
    const { id } = await withContent();
    const { body: row } = await request(t.app)
      .patch(`/api/v1/recordings/${id}`)
      .set(authHeader(alice.token))
      .send({ format: 'application/octet-stream' })
      .expect(200);
    const req = request(t.app)
      .put(`/api/v1/recordings/${id}/content`)
      .set(authHeader(alice.token))
      .set('Content-Type', 'application/octet-stream');
    for (let i = 0; i < 40; i++) req.write(Buffer.alloc(64 * 1024, i));
    const res = await req.expect(413);
    expect(res.body.detail).toMatch(/largest file/);
    await unchanged(id, row);
  });

  test('when a content coding is sent, then 415', async () => {
    const { id, row } = await withContent();
    await put(id, Buffer.from('x')).set('Content-Encoding', 'gzip').expect(415);
    await unchanged(id, row);
  });

  test('when the recording declares a sha256 the file does not have, then 422 and nothing is stored', async () => {
    const rec = await createRecording(t.app, alice, { format: 'application/octet-stream', sha256: 'a'.repeat(64) });
    const res = await put(rec.id, Buffer.from('not that')).expect(422);
    expect(res.body.detail).toMatch(/recording’s sha256/);
    expect(await t.keys()).toEqual([]);
    await put(rec.id, Buffer.from('not that')).set('Content-Type', 'application/json').expect(422); // JSON type too: raw bytes here
  });

  test('when a client changes sha256 of a recording with content, then 409', async () => {
    const { id } = await withContent();
    await request(t.app)
      .patch(`/api/v1/recordings/${id}`)
      .set(authHeader(alice.token))
      .send({ sha256: 'b'.repeat(64) })
      .expect(409);
  });
});

describe('deleting', () => {
  test('when the content is deleted, then 204, the recording is PENDING without size and checksum, and the object is gone', async () => {
    const rec = await createRecording(t.app, alice, { format: 'audio/wav', modality: 'AUDIO' });
    await put(rec.id, wavFile({ channels: 1, sampleRate: 8000, bitsPerSample: 16, frames: 80 })).expect(201);
    await request(t.app)
      .delete(`/api/v1/recordings/${String(rec.id)}/content`)
      .set(authHeader(alice.token))
      .expect(204);
    const row = await request(t.app)
      .get(`/api/v1/recordings/${String(rec.id)}`)
      .set(authHeader(alice.token))
      .expect(200);
    expect(row.body).toMatchObject({ status: 'PENDING', sizeBytes: null, sha256: null });
    expect(row.body.metadata).not.toHaveProperty('fileHeader');
    expect(await t.keys()).toEqual([]);
    expect(await t.db.prisma.eventLog.count({ where: { entityId: String(rec.id), action: 'recording.content_deleted' } })).toBe(1);
    await request(t.app)
      .delete(`/api/v1/recordings/${String(rec.id)}/content`)
      .set(authHeader(alice.token))
      .expect(404);
  });

  test('when a recording with content is deleted, then its file goes after the row', async () => {
    const rec = await createRecording(t.app, alice, { format: 'application/octet-stream' });
    await put(rec.id, Buffer.from('bytes')).expect(201);
    await request(t.app)
      .delete(`/api/v1/recordings/${String(rec.id)}`)
      .set(authHeader(alice.token))
      .expect(204);
    // The file is removed once the delete is committed, after the 204 has gone out.
    await until('the file is removed', async () => (await t.keys()).length === 0);
  });
});
