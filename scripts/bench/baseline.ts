/**
 * The bench's floor: the same operations as the API on the same rows, with Node's `http`
 * and `pg` only (no framework, no ORM, no validation library). It does the work the API must do
 * and nothing else: the token lookup by hash (revoked/expired/disabled checks), the owner filter,
 * the same JSON (BigInt as strings, ISO dates, same field order), ETag, X-Request-Id, and the
 * writes of scripts/bench/baseline-writes.ts: a create (with or without an Idempotency-Key) and a
 * PATCH with If-Match, each in one transaction with its event-log row. Tables and columns are
 * named from the model metadata (src/db/sql-names.ts).
 *
 *   BENCH_DATABASE_URL=… PORT=… node --require tsx/cjs scripts/bench/baseline.ts
 */
import http from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { parsePgUrl } from '../../src/db/pg-url';
import { benchNames } from './names';
import { etagOf, recordingSql, writes, type Reply, type Row } from './baseline-writes';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOKEN = /^bk_(login|api)_[A-Za-z0-9_-]{43}$/;
const MODALITIES = new Set(['EEG', 'ECG', 'EMG', 'AUDIO', 'VIDEO', 'IMU', 'OTHER']);
const STATUSES = new Set(['PENDING', 'READY', 'FAILED', 'ARCHIVED']);
const KEY = /^[\x21-\x7e]{1,255}$/;

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const json = JSON.stringify(body);
  const type = status >= 400 ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8';
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(json), 'X-Request-Id': randomUUID(), ...headers });
  res.end(json);
}

const problem = (res: http.ServerResponse, status: number, detail: string): void =>
  send(res, status, { type: 'about:blank', title: detail, status, detail });

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** A hand-written check of the create body, standing in for the API's schema validation. */
function validCreate(b: unknown): b is Row {
  if (!b || typeof b !== 'object' || Array.isArray(b)) return false;
  const r = b as Row;
  return (
    typeof r.name === 'string' &&
    r.name.length > 0 &&
    typeof r.modality === 'string' &&
    MODALITIES.has(r.modality) &&
    typeof r.format === 'string' &&
    (r.sessionId === undefined || (typeof r.sessionId === 'string' && UUID.test(r.sessionId)))
  );
}

/** A PATCH body of the bench: a name and/or a status, nothing else. */
function validPatch(b: unknown): b is { name?: string; status?: string } {
  if (!b || typeof b !== 'object' || Array.isArray(b)) return false;
  const r = b as Row;
  return (
    Object.keys(r).length > 0 &&
    Object.keys(r).every((f) => f === 'name' || f === 'status') &&
    (r.name === undefined || (typeof r.name === 'string' && r.name.length > 0 && r.name.length <= 255)) &&
    (r.status === undefined || (typeof r.status === 'string' && STATUSES.has(r.status)))
  );
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // not valid JSON: the validity checks answer 400
  }
}

export function startBaseline(url: string, port: number, poolSize: number): http.Server {
  const pool = new pg.Pool({ ...parsePgUrl(url).config, max: poolSize, application_name: 'backendapi-bench-baseline' });
  const names = benchNames(url);
  const [K, U] = [names.table('ApiKey'), names.table('User')];
  const [k, u] = [K.c, U.c];
  const { R, columns } = recordingSql(names);
  const r = R.c;
  const write = writes(pool, names);
  const reply = (res: http.ServerResponse, out: Reply): void => send(res, out.status, out.body, out.headers);

  async function principal(req: http.IncomingMessage): Promise<string | undefined> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match || !TOKEN.test(match[1] as string)) return undefined;
    const hash = createHash('sha256')
      .update(match[1] as string, 'utf8')
      .digest('hex');
    const { rows } = await pool.query<{ userId: string }>(
      `SELECT k.${k.userId} AS "userId" FROM ${K.table} k JOIN ${U.table} u ON u.${u.id} = k.${k.userId}
       WHERE k.${k.tokenHash} = $1 AND k.${k.revokedAt} IS NULL AND (k.${k.expiresAt} IS NULL OR k.${k.expiresAt} > now())
         AND u.${u.disabledAt} IS NULL`,
      [hash],
    );
    return rows[0]?.userId;
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') return send(res, 200, { status: 'ok' });
    const userId = await principal(req);
    if (!userId) return problem(res, 401, 'The token is not valid');
    const item = /^\/api\/v1\/recordings\/([^/]+)$/.exec(url.pathname);
    if (item && req.method === 'GET') {
      if (!UUID.test(item[1] as string)) return problem(res, 400, 'The id is not valid');
      const { rows } = await pool.query<Row>(`SELECT ${columns} FROM ${R.table} WHERE ${r.id} = $1 AND ${r.userId} = $2`, [
        item[1],
        userId,
      ]);
      if (!rows[0]) return problem(res, 404, 'No recording with this id');
      return send(res, 200, rows[0], { ETag: etagOf(JSON.stringify(rows[0])) });
    }
    if (url.pathname === '/api/v1/recordings' && req.method === 'GET') {
      const limit = Math.min(Math.max(Number(url.searchParams.get('limit') ?? 50) || 50, 1), 1000);
      // The list-filtered scenario: status=READY&sort=-recordedAt (NULLs last, the id breaks ties).
      const status = url.searchParams.get('status');
      if (status !== null && !STATUSES.has(status)) return problem(res, 400, 'The status is not valid');
      const byRecorded = url.searchParams.get('sort') === '-recordedAt';
      const sortKey = byRecorded ? 'recordedAt' : 'createdAt';
      const { rows } = await pool.query<Row>(
        `SELECT ${columns} FROM ${R.table} WHERE ${r.userId} = $1 ${status ? `AND ${r.status} = $3::${names.enumType('RecordingStatus')}` : ''}
         ORDER BY ${byRecorded ? `${r.recordedAt} DESC NULLS LAST, ${r.id} DESC` : `${r.createdAt} ASC, ${r.id} ASC`} LIMIT $2`,
        status ? [userId, limit + 1, status] : [userId, limit + 1],
      );
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const nextCursor =
        rows.length > limit && last
          ? Buffer.from(JSON.stringify({ s: sortKey, v: [(last[sortKey] as Date | null)?.toISOString() ?? null, last.id] })).toString(
              'base64url',
            )
          : null;
      const headers: Record<string, string> = nextCursor
        ? { Link: `</api/v1/recordings?limit=${limit}&cursor=${nextCursor}>; rel="next"` }
        : {};
      return send(res, 200, { data: page, page: { limit, nextCursor } }, headers);
    }
    if (url.pathname === '/api/v1/recordings' && req.method === 'POST') {
      const text = await readBody(req);
      const body = parseJson(text);
      if (!validCreate(body)) return problem(res, 400, 'The request body is not valid');
      const key = req.headers['idempotency-key'];
      if (key === undefined) return reply(res, await write.create(userId, body));
      if (typeof key !== 'string' || !KEY.test(key)) return problem(res, 400, 'The Idempotency-Key header is not valid');
      return reply(res, await write.createOnce(userId, key, text, body));
    }
    if (item && req.method === 'PATCH') {
      if (!UUID.test(item[1] as string)) return problem(res, 400, 'The id is not valid');
      const body = parseJson(await readBody(req));
      if (!validPatch(body)) return problem(res, 400, 'The request body is not valid');
      return reply(res, await write.patch(userId, item[1] as string, req.headers['if-match'], body));
    }
    return problem(res, 404, 'No resource here');
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      process.stderr.write(`baseline: ${err instanceof Error ? err.message : String(err)}\n`);
      if (!res.headersSent) problem(res, 503, 'The database is unavailable');
    });
  });
  server.keepAliveTimeout = 65_000;
  server.listen(port, '127.0.0.1', () => process.stdout.write(`baseline listening on http://127.0.0.1:${port}\n`));
  const stop = (): void => void server.close(() => void pool.end().then(() => process.exit(0)));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return server;
}

if (require.main === module) {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url) {
    process.stderr.write('BENCH_DATABASE_URL is required\n');
    process.exit(1);
  }
  startBaseline(url, Number(process.env.PORT ?? 3100), Number(process.env.DATABASE_POOL_SIZE ?? 10));
}
