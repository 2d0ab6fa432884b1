/**
 * The bench's floor: the same operations as the API on the same rows, with Node's `http`
 * and `pg` only (no framework, no ORM, no validation library). It does the work the API must do
 * and nothing else: the token lookup by hash (revoked/expired/disabled checks), the owner filter,
 * the same JSON (BigInt as strings, ISO dates, same field order), ETag, X-Request-Id and, on
 * create, the session check plus the row and its event-log row in one transaction.
 *
 *   BENCH_DATABASE_URL=… PORT=… node --require tsx/cjs scripts/bench/baseline.ts
 */
import http from 'node:http';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { parsePgUrl } from '../../src/db/pg-url';

const COLUMNS = `id, "userId", "sessionId", name, modality, status, format, "sampleRateHz", "channelCount", "durationMs",
  "sizeBytes", sha256, "storageUri", "recordedAt", metadata, "createdAt", "updatedAt"`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOKEN = /^bk_(login|api)_[A-Za-z0-9_-]{43}$/;
const MODALITIES = new Set(['EEG', 'ECG', 'EMG', 'AUDIO', 'VIDEO', 'IMU', 'OTHER']);
const STATUSES = new Set(['PENDING', 'READY', 'FAILED', 'ARCHIVED']);

type Row = Record<string, unknown>;

function uuidv7(): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const etagOf = (json: string): string => `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"`;

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

export function startBaseline(url: string, port: number, poolSize: number): http.Server {
  const pool = new pg.Pool({ ...parsePgUrl(url).config, max: poolSize, application_name: 'backendapi-bench-baseline' });

  async function principal(req: http.IncomingMessage): Promise<string | undefined> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (!match || !TOKEN.test(match[1] as string)) return undefined;
    const hash = createHash('sha256')
      .update(match[1] as string, 'utf8')
      .digest('hex');
    const { rows } = await pool.query<{ userId: string }>(
      `SELECT k."userId" FROM "ApiKey" k JOIN "User" u ON u.id = k."userId"
       WHERE k."tokenHash" = $1 AND k."revokedAt" IS NULL AND (k."expiresAt" IS NULL OR k."expiresAt" > now()) AND u."disabledAt" IS NULL`,
      [hash],
    );
    return rows[0]?.userId;
  }

  async function create(res: http.ServerResponse, userId: string, body: Row): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      if (body.sessionId) {
        const s = await client.query(`SELECT id FROM "Session" WHERE id = $1 AND "userId" = $2`, [body.sessionId, userId]);
        if (!s.rowCount) {
          await client.query('ROLLBACK');
          return problem(res, 400, 'A recording must belong to a session of the same owner');
        }
      }
      const { rows } = await client.query<Row>(
        `INSERT INTO "Recording" (id, "userId", "sessionId", name, modality, status, format, "sampleRateHz", "channelCount", "durationMs",
           "sizeBytes", metadata, "updatedAt")
         VALUES ($1, $2, $3, $4, $5, 'PENDING', $6, $7, $8, $9, $10, $11, now()) RETURNING ${COLUMNS}`,
        [
          uuidv7(),
          userId,
          body.sessionId ?? null,
          body.name,
          body.modality,
          body.format,
          body.sampleRateHz ?? null,
          body.channelCount ?? null,
          body.durationMs ?? null,
          body.sizeBytes ?? null,
          JSON.stringify(body.metadata ?? {}),
        ],
      );
      const row = rows[0] as Row;
      await client.query(
        `INSERT INTO "EventLog" ("actorId", action, "entityType", "entityId", "requestId", changes) VALUES ($1, 'recording.created', 'recording', $2, $3, $4)`,
        [userId, row.id, randomUUID(), JSON.stringify({ after: row })],
      );
      await client.query('COMMIT');
      const json = JSON.stringify(row);
      send(res, 201, row, { Location: `/api/v1/recordings/${String(row.id)}`, ETag: etagOf(json) });
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') return send(res, 200, { status: 'ok' });
    const userId = await principal(req);
    if (!userId) return problem(res, 401, 'The token is not valid');
    const item = /^\/api\/v1\/recordings\/([^/]+)$/.exec(url.pathname);
    if (item && req.method === 'GET') {
      if (!UUID.test(item[1] as string)) return problem(res, 400, 'The id is not valid');
      const { rows } = await pool.query<Row>(`SELECT ${COLUMNS} FROM "Recording" WHERE id = $1 AND "userId" = $2`, [item[1], userId]);
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
        `SELECT ${COLUMNS} FROM "Recording" WHERE "userId" = $1 ${status ? 'AND status = $3::"RecordingStatus"' : ''}
         ORDER BY ${byRecorded ? '"recordedAt" DESC NULLS LAST, id DESC' : '"createdAt" ASC, id ASC'} LIMIT $2`,
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
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        return problem(res, 400, 'The request body is not valid JSON');
      }
      if (!validCreate(body)) return problem(res, 400, 'The request body is not valid');
      return create(res, userId, body);
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
