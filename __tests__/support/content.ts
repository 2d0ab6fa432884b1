/** The app with a content store of the test's own (a temporary directory, or an S3 server), and recordings to put files in. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import type { Express } from 'express';
import { createContentStore, type ContentStore } from '../../src/storage';
import { startTestApp, testConfig, truncateAll, type TestApp } from './app';
import { authHeader, createUser, type TestUser } from './factories';

export interface ContentApp extends TestApp {
  store: ContentStore;
  /** Every object key in the store (sorted). */
  keys(prefix?: string): Promise<string[]>;
}

/** `env` may name an S3 store (STORAGE_DRIVER=s3 …); otherwise the files go to a new temporary directory. */
export function startContentApp(env: Record<string, string> = {}): ContentApp {
  const dir = env.STORAGE_DRIVER === 's3' ? undefined : mkdtempSync(path.join(os.tmpdir(), 'backendapi-content-'));
  const full = { ...(dir ? { STORAGE_DIR: dir } : {}), ...env };
  const store = createContentStore(testConfig(full).storage);
  const test = startTestApp(full, { store });
  return {
    ...test,
    store,
    async keys(prefix = '') {
      const out: string[] = [];
      for await (const o of store.list(prefix)) out.push(o.key);
      return out.sort();
    },
    async close() {
      await test.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function resetContent(t: ContentApp): Promise<void> {
  await truncateAll(t.db);
  for (const key of await t.keys()) await t.store.remove(key);
}

export async function createRecording(
  app: Express,
  user: TestUser,
  fields: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const res = await request(app)
    .post('/api/v1/recordings')
    .set(authHeader(user.token))
    .send({ name: 'night 1', modality: 'EEG', format: 'application/x-edf', ...fields });
  if (res.status !== 201) throw new Error(`create recording: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Record<string, unknown>;
}

export { createUser, authHeader };

/** supertest `.parse(binary)`: the body as bytes whatever its type (superagent hands the parser the Node response). */
export const binary = ((res: NodeJS.ReadableStream, done: (err: Error | null, body: Buffer) => void): void => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}) as unknown as Parameters<request.Test['parse']>[0];

/**
 * Waits until `check` holds, polling every 50 ms; fails after `ms`. For what the server does after
 * it has answered (removing a file once a delete is committed, abandoning an upload): a bounded
 * wait for the state, never an assertion on how long it takes.
 */
export async function until(what: string, check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`still not true after ${ms} ms: ${what}`);
    await sleep(50);
  }
}
