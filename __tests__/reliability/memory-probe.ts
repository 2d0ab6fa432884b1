/**
 * Run by memory.test.ts in a child process with --expose-gc: an app on the test database
 * answers a bounded series of list requests with large pages; the heap is measured after a
 * full GC at checkpoints and printed as one JSON line.
 * Env: PROBE_DATABASE_URL, PROBE_REQUESTS, PROBE_CHECKPOINT, PROBE_DEADLINE_MS.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/core/config';
import { logger } from '../../src/core/logging';
import { connectDatabase } from '../../src/db/connection';
import { issueApiKey } from '../../src/auth/api-keys';
import { createUser } from '../../src/auth/users';

async function main(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  logger.silent = true;
  const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'silent', DATABASE_URL: process.env.PROBE_DATABASE_URL ?? '' });
  const db = connectDatabase({ ...config.database, url: config.database.url as string });
  const server = createApp({ config, db }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const user = await createUser(db.prisma, { email: `memory-${Date.now()}@example.com`, name: 'Memory probe', role: 'MEMBER' });
  const { token } = await issueApiKey(db.prisma, { userId: user.id, name: 'memory probe' }, user.id);
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const rows = Array.from({ length: 1000 }, (_, i) => ({
    name: `mem-${i}.edf`,
    modality: 'EEG',
    format: 'application/x-edf',
    sizeBytes: String(i * 1000),
  }));
  const created = await fetch(`${base}/api/v1/recordings`, { method: 'POST', headers, body: JSON.stringify(rows) });
  if (created.status !== 201) throw new Error(`seeding failed: ${created.status}`);

  const requests = Number(process.env.PROBE_REQUESTS ?? 300);
  const checkpoint = Number(process.env.PROBE_CHECKPOINT ?? 50);
  const heapMb: number[] = [];
  const deadline = Date.now() + Number(process.env.PROBE_DEADLINE_MS ?? 90_000);
  for (let i = 1; i <= requests && Date.now() < deadline; i++) {
    const res = await fetch(`${base}/api/v1/recordings?limit=1000&include=user`, { headers });
    const body = (await res.json()) as { data: unknown[] };
    if (res.status !== 200 || body.data.length !== 1000) throw new Error(`request ${i}: ${res.status}, ${body.data?.length} rows`);
    if (i % checkpoint === 0) {
      gc();
      gc();
      heapMb.push(Math.round((process.memoryUsage().heapUsed / 1024 / 1024) * 10) / 10);
    }
  }
  server.closeAllConnections();
  server.close();
  await db.close();
  process.stdout.write(`${JSON.stringify({ heapMb, rss: Math.round(process.memoryUsage().rss / 1024 / 1024) })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
