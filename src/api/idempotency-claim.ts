/**
 * Claiming an Idempotency-Key (src/api/idempotency.ts) in raw SQL, names from the model metadata:
 * a new key is ONE statement (INSERT … ON CONFLICT DO NOTHING RETURNING id); only when the key
 * exists is its row read, and taken over (deleted, then claimed again) when it has expired or its
 * request never finished. A failed request releases its claim with one DELETE.
 */
import { conflict, unprocessable } from '../core/errors';
import type { PrismaClient } from '../generated/prisma/client';
import { datamodel } from '../models/generated/schema';
import { sqlNames, type DatamodelMeta, type SqlNames } from '../db/sql-names';
import { quoteIdent } from '../db/pg-url';
import { columnsOf } from '../resources/sql-row';
import type { CreateAttachment } from '../resources/sql-write';
import type { Attached } from '../resources/direct-writes';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A claim older than this whose request never finished (crash) may be taken over. */
const STALE_CLAIM_MS = 5 * 60 * 1000;

export interface ClaimRequest {
  key: string;
  userId: string;
  method: string;
  path: string;
  hash: string;
}

export interface StoredResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export type Replay = StoredResponse & { replayed: true };

/** Where the keys are: the client that runs the statements and the (quoted) schema they name. */
export interface KeyStore {
  prisma: PrismaClient;
  schema: string;
}

interface KeyRow {
  id: string;
  method: string;
  path: string;
  requestHash: string;
  responseStatus: number | null;
  responseBody: unknown;
  responseHeaders: Record<string, string> | null;
  expiresAt: Date;
  createdAt: Date;
}

const READ_FIELDS = ['id', 'method', 'path', 'requestHash', 'responseStatus', 'responseBody', 'responseHeaders', 'expiresAt', 'createdAt'];

/**
 * The statements, from the metadata `dm` (the id is made here when Prisma's client would make it):
 *   claim    $1 key, $2 userId, $3 method, $4 path, $5 request hash, $6 createdAt, $7 expiresAt[, $8 id]
 *   read     $1 userId, $2 key
 *   takeOver $1 id, $2 now, $3 the latest createdAt of a stale claim
 *   release  $1 id
 */
export function claimStatements(names: SqlNames, dm: DatamodelMeta = datamodel) {
  const K = names.table('IdempotencyKey');
  const k = K.c;
  const model = dm.models.IdempotencyKey;
  const columns = model && columnsOf(model.fields, (name) => names.enumType(name as Parameters<SqlNames['enumType']>[0]));
  if (!columns) throw new Error('IdempotencyKey has columns the raw statements do not handle');
  const col = (field: string) => {
    const c = columns.find((x) => x.field === field);
    if (!c) throw new Error(`IdempotencyKey has no field ${field}`);
    return c;
  };
  const set = ['key', 'userId', 'method', 'path', 'requestHash', 'createdAt', 'expiresAt'].map((f, i) => [
    col(f).column,
    col(f).param(i + 1),
  ]);
  const id = col('id');
  if (id.generate) set.push([id.column, id.param(8)]);
  // Prisma sets @updatedAt on create to the time of the write: the claim's createdAt.
  set.push([k.updatedAt, col('createdAt').param(6)]);
  const byId = `${k.id} = ${id.param(1)}`;
  return {
    claim: `INSERT INTO ${K.table} (${set.map(([c]) => c).join(', ')}) VALUES (${set.map(([, v]) => v).join(', ')})
  ON CONFLICT (${k.userId}, ${k.key}) DO NOTHING RETURNING ${k.id} AS "id"`,
    read: `SELECT ${READ_FIELDS.map((f) => `${col(f).column} AS ${quoteIdent(f)}`).join(', ')} FROM ${K.table}
  WHERE ${k.userId} = ${col('userId').param(1)} AND ${k.key} = ${col('key').param(2)}`,
    // Only while it is still expired or stale: a request that finished meanwhile keeps its key.
    takeOver: `DELETE FROM ${K.table} WHERE ${byId}
  AND (${k.expiresAt} <= $2::timestamptz OR (${k.responseStatus} IS NULL AND ${k.createdAt} < $3::timestamptz))`,
    release: `DELETE FROM ${K.table} WHERE ${byId} AND ${k.responseStatus} IS NULL`,
    generateId: id.generate,
    /**
     * The response of a created row, kept with the claimed key by the create's own statement
     * (src/resources/sql-write.ts): 201, the row as its body, its Location ($first: the
     * collection's URL and a slash, to which the id is added); the ETag is made again from the
     * body when it is replayed. $first + 1: the claim's id.
     */
    keepCreated: {
      key: 'idempotency',
      cte: (rowJson: string, n: number) => `stored AS (
    UPDATE ${K.table} ik SET ${k.responseStatus} = 201, ${k.responseBody} = ${rowJson},
           ${k.responseHeaders} = jsonb_build_object('Location', $${n}::text || c."id"::text), ${k.updatedAt} = now()
      FROM created c WHERE ik.${k.id} = ${id.param(n + 1)}
  )`,
    } satisfies CreateAttachment,
  };
}

type Statements = ReturnType<typeof claimStatements>;
const built = new Map<string, Statements>();
/** The statements of a (quoted) schema, built once. */
function statementsIn(schema: string): Statements {
  let s = built.get(schema);
  if (!s) built.set(schema, (s = claimStatements(sqlNames(schema))));
  return s;
}

/** Claims `req.key` for `req.userId`, or returns the stored response of the request that holds it. */
export async function claimKey(db: KeyStore, req: ClaimRequest): Promise<{ id: string } | Replay> {
  const s = statementsIn(db.schema);
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = new Date();
    // The same clock for both: a key lives at least the full TTL.
    const times = [now.toISOString(), new Date(now.getTime() + IDEMPOTENCY_TTL_MS).toISOString()];
    const [claimed] = await db.prisma.$queryRawUnsafe<Array<{ id: string }>>(
      s.claim,
      req.key,
      req.userId,
      req.method,
      req.path,
      req.hash,
      ...times,
      ...(s.generateId ? [s.generateId()] : []),
    );
    if (claimed) return claimed;
    const [existing] = await db.prisma.$queryRawUnsafe<KeyRow[]>(s.read, req.userId, req.key);
    if (!existing) continue; // released meanwhile: claim again
    const staleBefore = new Date(now.getTime() - STALE_CLAIM_MS);
    const stale = existing.responseStatus === null && existing.createdAt < staleBefore;
    if (existing.expiresAt <= now || stale) {
      await db.prisma.$executeRawUnsafe(s.takeOver, existing.id, now.toISOString(), staleBefore.toISOString());
      continue;
    }
    if (existing.method !== req.method || existing.path !== req.path || existing.requestHash !== req.hash) {
      throw unprocessable('This Idempotency-Key was used with a different request; use a new key for a new request');
    }
    if (existing.responseStatus === null) {
      throw conflict('A request with this Idempotency-Key is still being processed; retry shortly');
    }
    return { status: existing.responseStatus, body: existing.responseBody, headers: existing.responseHeaders ?? {}, replayed: true };
  }
  throw conflict('The Idempotency-Key could not be claimed; retry');
}

/** What a one-statement create runs to keep its response with the claimed key (see keepCreated). */
export function keepCreatedResponse(db: KeyStore, claim: { id: string }, location: string): Attached {
  return { cte: statementsIn(db.schema).keepCreated, params: [location, claim.id] };
}

/** Gives a claimed key back (its request failed), unless its response was stored. */
export async function releaseKey(db: KeyStore, claim: { id: string }): Promise<void> {
  await db.prisma.$executeRawUnsafe(statementsIn(db.schema).release, claim.id);
}
