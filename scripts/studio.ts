/**
 * npm run studio — Prisma Studio on the configured database: DATABASE_URL (through the SSH tunnel
 * when DATABASE_SSH_HOST is set), otherwise the embedded server, started for as long as Studio runs
 * if it was not running (src/db/target.ts, as for every script).
 *
 * This is the standalone Studio that Prisma 7's `prisma studio` embeds (@prisma/studio-core, a
 * React UI that reads the schema and rows with plain SQL), not Prisma 6.19's Studio, which loads its
 * data model through a native query engine downloaded from Prisma's binary host. It needs no
 * network: this script bundles the UI with esbuild at start (about 2 s), serves it, and runs the
 * UI's SQL on its "BFF" endpoint (`POST /bff`, the JSON contract in the package's README) through
 * postgres.js. Studio can change data and has no login: it listens on 127.0.0.1 unless told otherwise.
 *
 * Usage: npm run studio [-- --port 5555] [--host 127.0.0.1]
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import postgres from 'postgres';
import { serializeError, type StudioBFFRequest } from '@prisma/studio-core/data/bff';
import { createPostgresJSExecutor } from '@prisma/studio-core/data/postgresjs';
import type { Config } from '../src/core/config';
import { PROJECT_ROOT } from '../src/core/paths';
import { logger } from '../src/core/logging';
import { parsePgUrl, redactUrl } from '../src/db/pg-url';
import { withTarget } from '../src/db/open';
import { run, scriptConfig } from './cli';

const DEFAULT_PORT = 5555; // the port `prisma studio` uses
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);
const MAX_BODY_BYTES = 10 * 1024 * 1024;

type Executor = ReturnType<typeof createPostgresJSExecutor>;

/** The browser side: the Studio component over an adapter that sends its SQL to POST /bff. */
const UI_ENTRY = `
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { Studio } from '@prisma/studio-core/ui';
import '@prisma/studio-core/ui/index.css';
import { createStudioBFFClient } from '@prisma/studio-core/data/bff';
import { createPostgresAdapter } from '@prisma/studio-core/data/postgres-core';

const adapter = createPostgresAdapter({ executor: createStudioBFFClient({ url: '/bff' }) });
// Open on the schema the app uses (?schema= in DATABASE_URL) rather than always on "public".
adapter.defaultSchema = window.__STUDIO_CONFIG__.schema;
createRoot(document.getElementById('root')).render(createElement(Studio, { adapter }));
`;

async function bundleUi(): Promise<{ js: Uint8Array; css: Uint8Array }> {
  const result = await build({
    stdin: { contents: UI_ENTRY, resolveDir: PROJECT_ROOT, sourcefile: 'studio-ui.js', loader: 'js' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'eof', // keeps the bundled packages' licence headers
    write: false,
    outdir: 'studio-ui',
    entryNames: 'studio',
    logLevel: 'error',
    define: {
      'process.env.NODE_ENV': '"production"',
      // The UI reads its environment from import.meta.env; this turns off its usage report to
      // checkpoint.prisma.io (the opt-out Prisma documents, CHECKPOINT_DISABLE=1).
      'import.meta.env': '{"CHECKPOINT_DISABLE":"1"}',
    },
  });
  const file = (ext: string): Uint8Array => {
    const found = result.outputFiles.find((f) => f.path.endsWith(ext));
    if (!found) throw new Error(`the Studio bundle has no ${ext} file`);
    return found.contents;
  };
  return { js: file('.js'), css: file('.css') };
}

function page(schema: string): string {
  const config = JSON.stringify({ schema }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en" style="height: 100%">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Prisma Studio</title>
    <link rel="stylesheet" href="/studio.css" />
    <style>body { color: black; height: 100%; margin: 0; } #root { height: 100%; }</style>
  </head>
  <body>
    <div id="root"></div>
    <script>window.__STUDIO_CONFIG__ = ${config};</script>
    <script type="module" src="/studio.js"></script>
  </body>
</html>`;
}

/** Runs one request of the Studio BFF contract; the answer is JSON with serialized errors. */
async function runBff(executor: Executor, request: StudioBFFRequest, abortSignal: AbortSignal): Promise<unknown> {
  switch (request.procedure) {
    case 'query': {
      const [error, rows] = await executor.execute(request.query, { abortSignal, schema: request.schema });
      return error ? [serializeError(error)] : [null, rows];
    }
    case 'sequence': {
      const [first, second] = request.sequence;
      const [firstError, firstRows] = await executor.execute(first, { abortSignal });
      if (firstError) return [[serializeError(firstError)]];
      const [secondError, secondRows] = await executor.execute(second, { abortSignal });
      return [[null, firstRows], secondError ? [serializeError(secondError)] : [null, secondRows]];
    }
    case 'transaction': {
      const [error, results] = await executor.executeTransaction!(request.queries, { abortSignal });
      return error ? [serializeError(error)] : [null, results];
    }
    case 'sql-lint': {
      const { schema, schemaVersion, sql } = request;
      const [error, result] = await executor.lintSql!({ schema, schemaVersion, sql }, { abortSignal });
      return error ? [serializeError(error)] : [null, result];
    }
    default:
      // query-insights: the UI asks only when told the BFF supports it, which it is not.
      return [serializeError(new Error(`procedure ${String(request.procedure)} is not supported`))];
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(Object.assign(new Error('request body too large'), { status: 413 }));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Uint8Array): void {
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
  res.end(body);
}

interface StudioServerOptions {
  executor: Executor;
  schema: string;
  ui: { js: Uint8Array; css: Uint8Array };
  /** Only requests naming a loopback host are answered (no DNS rebinding onto the database). */
  loopbackOnly: boolean;
}

function studioHandler({ executor, schema, ui, loopbackOnly }: StudioServerOptions): http.RequestListener {
  const html = page(schema);
  return (req, res) => {
    const host = req.headers.host ?? '';
    const hostname = host.replace(/:\d+$/, '');
    if (loopbackOnly && !LOOPBACK_HOSTS.has(hostname)) return send(res, 403, 'text/plain', 'Forbidden host\n');
    const { pathname } = new URL(req.url ?? '/', 'http://studio');
    const readOnly = req.method === 'GET' || req.method === 'HEAD';
    if (readOnly && pathname === '/') return send(res, 200, 'text/html; charset=utf-8', html);
    if (readOnly && pathname === '/studio.js') return send(res, 200, 'text/javascript; charset=utf-8', ui.js);
    if (readOnly && pathname === '/studio.css') return send(res, 200, 'text/css; charset=utf-8', ui.css);
    if (readOnly && pathname === '/favicon.ico') return void res.writeHead(204).end();
    if (pathname !== '/bff') return send(res, 404, 'text/plain', 'Not found\n');
    if (req.method !== 'POST') return send(res, 405, 'text/plain', 'Method not allowed\n');
    // Another web site open in the same browser must not reach the database: a cross-site page can
    // send only "simple" requests without asking, and application/json is not one of them.
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      return send(res, 415, 'text/plain', 'Content-Type must be application/json\n');
    }
    const origin = req.headers.origin;
    if (origin && origin !== `http://${host}`) return send(res, 403, 'text/plain', 'Forbidden origin\n');

    const aborted = new AbortController();
    res.on('close', () => {
      if (!res.writableEnded) aborted.abort(); // the UI gave up (navigation): cancel the query
    });
    readBody(req)
      .then((body) => runBff(executor, JSON.parse(body) as StudioBFFRequest, aborted.signal))
      .then(
        (answer) => send(res, 200, 'application/json', JSON.stringify(answer)),
        (err: unknown) => {
          const status = (err as { status?: number }).status ?? (err instanceof SyntaxError ? 400 : 500);
          if (status === 500) logger.error(`Studio request failed: ${(err as Error).message}`);
          if (!res.headersSent) send(res, status, 'text/plain', `${(err as Error).message}\n`);
        },
      );
  };
}

function listen(server: http.Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new Error(`port ${port} is in use; choose another with npm run studio -- --port <n>`) : err),
    );
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}

function cliOptions(): { port: number; host: string } {
  const { values } = parseArgs({
    options: { port: { type: 'string', short: 'p' }, host: { type: 'string' } },
    strict: true,
  });
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0…65535, not ${values.port}`);
  return { port, host: values.host ?? '127.0.0.1' };
}

/**
 * A postgres.js pool for Studio, checked with one query so a wrong URL fails at once. On a PGlite
 * server (the embedded one, or one DATABASE_URL points at) every connection shares one session and
 * their protocol messages interleave, so there Studio uses one connection (src/db/target.ts).
 */
async function connectStudioPool(url: string, config: Readonly<Config>, maxConnections = 4): Promise<postgres.Sql> {
  const { config: pg } = parsePgUrl(url);
  const sql = postgres({
    host: pg.host,
    port: pg.port,
    database: pg.database,
    user: pg.user,
    password: pg.password as string | undefined,
    ssl: pg.ssl ?? false,
    connect_timeout: Math.ceil(config.database.connectTimeoutMs / 1000),
    idle_timeout: 60,
    onnotice: () => undefined,
    connection: { application_name: 'backendapi-studio', statement_timeout: config.database.statementTimeoutMs },
    max: Math.min(maxConnections, 4),
  });
  try {
    await sql.unsafe('SELECT 1');
  } catch (err) {
    await sql.end({ timeout: 2 });
    throw new Error(`cannot connect to ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
  }
  return sql;
}

run(async () => {
  const options = cliOptions();
  const config = scriptConfig();
  // Ctrl-C while starting still releases what was opened (the embedded server, the tunnel).
  const stopRequested = new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  // Bundling takes about as long as starting the embedded server: both at once.
  const bundling = bundleUi();
  bundling.catch(() => undefined); // awaited below; a failure to open the database comes first
  await withTarget(config, async (target) => {
    let sql: postgres.Sql | undefined;
    const server = http.createServer();
    try {
      const ui = await bundling;
      const { schema } = parsePgUrl(target.url);
      sql = await connectStudioPool(target.url, config, target.maxConnections);
      const loopbackOnly = LOOPBACK_HOSTS.has(options.host);
      server.on('request', studioHandler({ executor: createPostgresJSExecutor(sql), schema, ui, loopbackOnly }));
      const address = await listen(server, options.port, options.host);
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const via = target.tunnel ? ', through the SSH tunnel' : target.maxConnections === 1 ? ', PGlite: one connection' : '';
      logger.info(`database: ${redactUrl(target.url)} (${target.kind}${via}), schema ${schema}`);
      if (!loopbackOnly) {
        logger.warn(`Studio has no login: anyone who can reach ${options.host}:${address.port} can read and change this database`);
      }
      logger.info(`Prisma Studio listening on http://${shown}:${address.port} (Ctrl-C stops it)`);
      await stopRequested;
    } finally {
      server.closeAllConnections();
      server.close();
      await sql?.end({ timeout: 2 });
    }
  });
});
