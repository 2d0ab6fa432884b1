/**
 * What happens to an upload that does not go as planned: the client disconnects in the middle,
 * or stalls (timed out without holding a database connection), and the sweep of what is left
 * behind. Waits here are bounded polls for a state, never assertions on how long things take.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, mkdirSync, writeFileSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import request from 'supertest';
import { sweepContent } from '../../src/content/sweep';
import { contentKey } from '../../src/storage/keys';
import { expectConforms } from '../support/contract-hook';
import { fromText } from '../support/contract';
import { authHeader, binary, createRecording, createUser, resetContent, startContentApp, until, type ContentApp } from '../support/content';
import type { TestUser } from '../support/factories';

let t: ContentApp;
let server: http.Server;
let port: number;
let alice: TestUser;

beforeAll(async () => {
  // One connection in the pool: a stalled upload holding it would block every other request.
  t = startContentApp({ CONTENT_IDLE_TIMEOUT: '1s', DATABASE_POOL_SIZE: '1' });
  server = t.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await t.close();
});
beforeEach(async () => {
  await resetContent(t);
  alice = await createUser(t.db);
});

const tmpFiles = (): string[] => {
  try {
    return readdirSync(path.join(t.config.storage.driver === 'filesystem' ? t.config.storage.dir : '', 'tmp'));
  } catch {
    return [];
  }
};

/** A PUT whose body the test writes by hand. */
function rawPut(id: unknown, length: number): http.ClientRequest {
  return http.request({
    host: '127.0.0.1',
    port,
    method: 'PUT',
    path: `/api/v1/recordings/${String(id)}/content`,
    headers: { ...authHeader(alice.token), 'Content-Type': 'application/octet-stream', 'Content-Length': String(length) },
  });
}

async function withContent(): Promise<{ id: string; row: unknown; keys: string[] }> {
  const rec = await createRecording(t.app, alice, { format: 'application/octet-stream' });
  await request(t.app)
    .put(`/api/v1/recordings/${String(rec.id)}/content`)
    .set(authHeader(alice.token))
    .send(Buffer.from('the old file'))
    .expect(201);
  const row = (
    await request(t.app)
      .get(`/api/v1/recordings/${String(rec.id)}`)
      .set(authHeader(alice.token))
      .expect(200)
  ).body as unknown;
  return { id: String(rec.id), row, keys: await t.keys() };
}

async function expectUnchanged(id: string, row: unknown, keys: string[]): Promise<void> {
  expect((await request(t.app).get(`/api/v1/recordings/${id}`).set(authHeader(alice.token)).expect(200)).body).toEqual(row);
  expect(await t.keys()).toEqual(keys);
  const file = await request(t.app)
    .get(`/api/v1/recordings/${id}/content`)
    .set(authHeader(alice.token))
    .buffer(true)
    .parse(binary)
    .expect(200);
  expect((file.body as Buffer).toString()).toBe('the old file');
}

test('when the client disconnects in the middle of an upload, then the old content and the row stay and no partial file is left', async () => {
  const { id, row, keys } = await withContent();
  const req = rawPut(id, 1024 * 1024);
  req.on('error', () => undefined); // the test breaks the connection itself
  req.write(Buffer.alloc(256 * 1024, 1));
  await until('the server is writing the upload', () => tmpFiles().length === 1);
  req.destroy();
  await until('the partial file is removed', () => tmpFiles().length === 0);
  await expectUnchanged(id, row, keys);
  expect(await t.db.prisma.eventLog.count({ where: { entityId: id, action: 'recording.content_uploaded' } })).toBe(1);
});

test('when the client stalls, then 408 after the idle timeout, other requests are served meanwhile with the one pooled connection, and nothing is kept', async () => {
  const { id, row, keys } = await withContent();
  const req = rawPut(id, 100_000);
  const answered = new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
  });
  req.write(Buffer.alloc(10_000, 2));
  await until('the server is writing the upload', () => tmpFiles().length === 1);
  // The stalled upload holds no database connection: these need the only one.
  for (let i = 0; i < 3; i++) await request(t.app).get(`/api/v1/recordings/${id}`).set(authHeader(alice.token)).expect(200);
  const res = await answered;
  expectConforms(fromText('PUT', `/api/v1/recordings/${id}/content`, res.status, res.headers as Record<string, string>, res.text));
  expect(res.status).toBe(408);
  expect(JSON.parse(res.text)).toMatchObject({ type: '/problems/request-timeout' });
  await until('the partial file is removed', () => tmpFiles().length === 0);
  await expectUnchanged(id, row, keys);
});

test('when the sweep runs, then files no row points to, staged bytes no upload owns and stale temporaries go; the rest stays', async () => {
  const { id, keys } = await withContent();
  const orphan = contentKey(randomUUID(), randomUUID());
  const replaced = contentKey(id, randomUUID());
  await t.store.write(orphan, Readable.from([Buffer.from('orphan')]));
  await t.store.write(replaced, Readable.from([Buffer.from('an older file of the recording')]));
  const staged = randomUUID();
  await t.store.staging.append(staged, 0, Readable.from([Buffer.from('abandoned')]));
  const dir = t.config.storage.driver === 'filesystem' ? t.config.storage.dir : '';
  mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  const temporary = path.join(dir, 'tmp', randomUUID());
  writeFileSync(temporary, 'crashed write');
  utimesSync(temporary, new Date(Date.now() - 2 * 3_600_000), new Date(Date.now() - 2 * 3_600_000));

  // Files younger than the grace period are left alone (they may be about to be committed); the 2-hour-old temporary is not.
  expect(await sweepContent({ prisma: t.db.prisma, store: t.store })).toEqual({
    expiredUploads: 0,
    orphanStaging: 0,
    orphanObjects: 0,
    temporaries: 1,
  });
  const report = await sweepContent({ prisma: t.db.prisma, store: t.store }, 0);
  expect(report).toEqual({ expiredUploads: 0, orphanStaging: 1, orphanObjects: 2, temporaries: 0 });
  expect(await t.keys()).toEqual(keys);
  expect(await t.store.staging.size(staged)).toBe(0);
});
