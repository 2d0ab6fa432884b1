/**
 * The raw baseline of the content bench: Node's http piping the request body into a file and a
 * file into the response — what the API's PUT and GET …/content do, without authentication,
 * database, checksum, header reading or fsync. PORT and BENCH_CONTENT_DIR from the environment.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const dir = process.env.BENCH_CONTENT_DIR ?? '.';
const file = (url: string): string => path.join(dir, `baseline-${url.replace(/[^A-Za-z0-9]/g, '_')}`);

const server = http.createServer((req, res) => {
  void (async () => {
    if (req.url === '/healthz') return void res.end('ok');
    const target = file(req.url ?? '/');
    if (req.method === 'PUT') {
      await pipeline(req, createWriteStream(target));
      res.writeHead(201).end();
    } else if (req.method === 'GET') {
      const { size } = await stat(target);
      res.writeHead(200, { 'Content-Length': size, 'Content-Type': 'application/octet-stream' });
      await pipeline(createReadStream(target, { highWaterMark: 1024 * 1024 }), res);
    } else res.writeHead(405).end();
  })().catch(() => res.destroy());
});
server.requestTimeout = 0;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
