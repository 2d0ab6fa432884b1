/**
 * The baseline's writes (scripts/bench/baseline.ts), each the honest minimum of what the API does,
 * in one transaction with `pg`:
 *   create           the session check, the row and its event-log row;
 *   create with an Idempotency-Key: the key claimed first (a concurrent duplicate waits on its
 *                    unique index), then the create, then the stored response;
 *   PATCH with If-Match: the row read and locked (FOR UPDATE), its ETag computed as the API's
 *                    (sha256 of the output JSON) and compared, the update, its event-log row.
 * Tables and columns are named from the model metadata (src/db/sql-names.ts).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { datamodel } from '../../src/models/generated/schema';
import { quoteIdent } from '../../src/db/pg-url';
import type { SqlNames } from '../../src/db/sql-names';

export type Row = Record<string, unknown>;
export type Reply = { status: number; body: unknown; headers?: Record<string, string> };

export function uuidv7(): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(Date.now(), 0, 6);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const etagOf = (json: string): string => `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"`;

const problem = (status: number, detail: string): Reply => ({ status, body: { type: 'about:blank', title: detail, status, detail } });

/** The statements, and the columns of a recording as the API sends it (every field but contentKey, in the model's order). */
export function recordingSql(names: SqlNames) {
  const R = names.table('Recording');
  const S = names.table('Session');
  const E = names.table('EventLog');
  const I = names.table('IdempotencyKey');
  const [r, s, e, i] = [R.c, S.c, E.c, I.c];
  const output = (Object.keys(datamodel.models.Recording.fields) as Array<keyof typeof r>).filter((f) => f !== 'contentKey');
  const columns = output.map((f) => `${r[f]} AS ${quoteIdent(f)}`).join(', ');
  return {
    R,
    columns,
    event: `INSERT INTO ${E.table} (${e.actorId}, ${e.action}, ${e.entityType}, ${e.entityId}, ${e.requestId}, ${e.changes})
            VALUES ($1, $2, 'recording', $3, $4, $5)`,
    session: `SELECT 1 FROM ${S.table} WHERE ${s.id} = $1 AND ${s.userId} = $2`,
    insert: `INSERT INTO ${R.table} (${r.id}, ${r.userId}, ${r.sessionId}, ${r.name}, ${r.modality}, ${r.status}, ${r.format},
               ${r.sampleRateHz}, ${r.channelCount}, ${r.durationMs}, ${r.sizeBytes}, ${r.metadata}, ${r.updatedAt})
             VALUES ($1, $2, $3, $4, $5, 'PENDING', $6, $7, $8, $9, $10, $11, now()) RETURNING ${columns}`,
    claim: `INSERT INTO ${I.table} (${i.id}, ${i.key}, ${i.userId}, ${i.method}, ${i.path}, ${i.requestHash}, ${i.expiresAt}, ${i.updatedAt})
            VALUES ($1, $2, $3, 'POST', '/api/v1/recordings', $4, now() + interval '24 hours', now())
            ON CONFLICT (${i.userId}, ${i.key}) DO NOTHING RETURNING ${i.id} AS id`,
    claimed: `SELECT ${i.requestHash} AS "requestHash", ${i.responseStatus} AS "responseStatus", ${i.responseBody} AS "responseBody"
                FROM ${I.table} WHERE ${i.userId} = $1 AND ${i.key} = $2`,
    store: `UPDATE ${I.table} SET ${i.responseStatus} = $2, ${i.responseBody} = $3, ${i.responseHeaders} = $4, ${i.updatedAt} = now()
             WHERE ${i.id} = $1`,
    lock: `SELECT ${columns} FROM ${R.table} WHERE ${r.id} = $1 AND ${r.userId} = $2 FOR UPDATE`,
    update: `UPDATE ${R.table} SET ${r.name} = coalesce($2, ${r.name}), ${r.status} = coalesce($3::${names.enumType('RecordingStatus')}, ${r.status}),
               ${r.updatedAt} = now() WHERE ${r.id} = $1 RETURNING ${columns}`,
  };
}

type Statements = ReturnType<typeof recordingSql>;

/** Runs `work` in a transaction on a connection of `pool`: committed when it returns, rolled back when it throws or asks to. */
async function transaction(pool: pg.Pool, work: (c: pg.PoolClient) => Promise<Reply & { rollback?: boolean }>): Promise<Reply> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const reply = await work(client);
    await client.query(reply.rollback ? 'ROLLBACK' : 'COMMIT');
    return reply;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function insertRecording(c: pg.PoolClient, sql: Statements, userId: string, body: Row): Promise<Reply & { rollback?: boolean }> {
  if (body.sessionId && !(await c.query(sql.session, [body.sessionId, userId])).rowCount) {
    return { ...problem(400, 'A recording must belong to a session of the same owner'), rollback: true };
  }
  const { rows } = await c.query<Row>(sql.insert, [
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
  ]);
  const row = rows[0] as Row;
  await c.query(sql.event, [userId, 'recording.created', row.id, randomUUID(), JSON.stringify({ after: row })]);
  const headers = { Location: `/api/v1/recordings/${String(row.id)}`, ETag: etagOf(JSON.stringify(row)) };
  return { status: 201, body: row, headers };
}

export function writes(pool: pg.Pool, names: SqlNames) {
  const sql = recordingSql(names);
  return {
    create: (userId: string, body: Row): Promise<Reply> => transaction(pool, (c) => insertRecording(c, sql, userId, body)),

    /** A create under an Idempotency-Key: a replay, a 422 (another body) or 409 (still running) for a key seen before. */
    createOnce: (userId: string, key: string, text: string, body: Row): Promise<Reply> =>
      transaction(pool, async (c) => {
        const hash = createHash('sha256').update(text).digest('hex');
        const claim = await c.query(sql.claim, [uuidv7(), key, userId, hash]);
        if (!claim.rowCount) {
          const seen = (await c.query<Row>(sql.claimed, [userId, key])).rows[0] as Row;
          if (seen.requestHash !== hash)
            return { ...problem(422, 'This Idempotency-Key was used with a different request'), rollback: true };
          if (seen.responseStatus === null)
            return { ...problem(409, 'A request with this Idempotency-Key is still running'), rollback: true };
          return {
            status: seen.responseStatus as number,
            body: seen.responseBody,
            headers: { 'Idempotent-Replayed': 'true' },
            rollback: true,
          };
        }
        const reply = await insertRecording(c, sql, userId, body);
        if (reply.rollback) return reply;
        await c.query(sql.store, [(claim.rows[0] as Row).id, reply.status, JSON.stringify(reply.body), JSON.stringify(reply.headers)]);
        return reply;
      }),

    /** PATCH { name?, status? } with an optional If-Match. */
    patch: (userId: string, id: string, ifMatch: string | undefined, body: { name?: string; status?: string }): Promise<Reply> =>
      transaction(pool, async (c) => {
        const before = (await c.query<Row>(sql.lock, [id, userId])).rows[0];
        if (!before) return { ...problem(404, 'No recording with this id'), rollback: true };
        if (ifMatch !== undefined && ifMatch !== etagOf(JSON.stringify(before))) {
          return { ...problem(412, 'The resource has changed since you read it'), rollback: true };
        }
        const after = (await c.query<Row>(sql.update, [id, body.name ?? null, body.status ?? null])).rows[0] as Row;
        const changed = Object.keys(body).filter((k) => before[k] !== after[k]);
        const changes = {
          before: Object.fromEntries(changed.map((k) => [k, before[k]])),
          after: Object.fromEntries(changed.map((k) => [k, after[k]])),
        };
        await c.query(sql.event, [userId, 'recording.updated', id, randomUUID(), JSON.stringify(changes)]);
        return { status: 200, body: after, headers: { ETag: etagOf(JSON.stringify(after)) } };
      }),
  };
}
