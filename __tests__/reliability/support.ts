/** Helpers of the reliability tests: a real listening server per app, and time-bounded loops. */
import type { Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { createApp } from '../../src/app';
import { connectDatabase, type Database } from '../../src/db/connection';
import { testConfig } from '../support/app';

export interface Instance {
  db: Database;
  base: string;
  server: Server;
  close(): Promise<void>;
}

/** An app on its own Database handle, listening on a loopback port, as one instance of the service. */
export async function startInstance(
  options: { url?: string; applicationName?: string; poolSize?: number; connectTimeoutMs?: number } = {},
): Promise<Instance> {
  const config = testConfig();
  const db = connectDatabase({
    ...config.database,
    url: options.url ?? (config.database.url as string),
    poolSize: options.poolSize ?? config.database.poolSize,
    connectTimeoutMs: options.connectTimeoutMs ?? 2_000,
    ...(options.applicationName ? { applicationName: options.applicationName } : {}),
  });
  const app: Express = createApp({ config, db });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    db,
    base: `http://127.0.0.1:${port}`,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      // Bounded: a pool client that was never released would make pool.end() wait forever.
      const { totalCount, idleCount, waitingCount } = db.pool;
      const closed = await Promise.race([db.close().then(() => true), sleep(3_000).then(() => false)]);
      if (!closed)
        process.stderr.write(
          `database handle not closed within 3 s (pool total ${totalCount}, idle ${idleCount}, waiting ${waitingCount})\n`,
        );
    },
  };
}

export interface Reply {
  status: number;
  type: string;
  body: unknown;
  ms: number;
  headers: Headers;
}

/** A request body that is JSON text already (sent as it is, not stringified again). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** One request with fetch; the body is parsed when it is JSON. Network failures reject. */
export async function call(
  base: string,
  method: string,
  path: string,
  token?: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const started = Date.now();
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : body instanceof RawJson ? body.text : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    type,
    body: type.includes('json') && text ? JSON.parse(text) : text,
    ms: Date.now() - started,
    headers: res.headers,
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `step` until `count` steps or `ms` milliseconds, whichever comes first. */
export async function bounded(count: number, ms: number, step: (i: number) => Promise<void>): Promise<number> {
  const deadline = Date.now() + ms;
  let i = 0;
  for (; i < count && Date.now() < deadline; i++) await step(i);
  return i;
}
