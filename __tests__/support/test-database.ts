/**
 * The test database: TEST_DATABASE_URL, or an embedded server of the tests' own (its own data
 * directory and port, so it never touches development data).
 */
import path from 'node:path';
import { ensureEmbeddedServer, stopEmbeddedServer } from '../../src/db/embedded';
import { withSchema } from '../../src/db/pg-url';

export const EMBEDDED_TEST_DIR = path.resolve(__dirname, '..', '..', 'data', 'test-embedded');
export const EMBEDDED_TEST_PORT = 54339;
export const MAX_WORKERS = process.env.TEST_DATABASE_URL ? 2 : 1;

export async function baseTestUrl(): Promise<{ url: string; external: boolean }> {
  if (process.env.TEST_DATABASE_URL) return { url: process.env.TEST_DATABASE_URL, external: true };
  const handle = await ensureEmbeddedServer({ dir: EMBEDDED_TEST_DIR, port: EMBEDDED_TEST_PORT });
  return { url: handle.url, external: false };
}

export const stopTestServer = (): Promise<boolean> => stopEmbeddedServer(EMBEDDED_TEST_DIR);

/** The schema of worker n: `test_w<n>` on a real server, `public` on the embedded one. */
export function workerUrl(base: string, external: boolean, worker: number): string {
  return external ? withSchema(base, `test_w${worker}`) : base;
}
