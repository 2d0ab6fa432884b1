/**
 * Idempotency-Key on POST: the first request with a key claims it (committed at once, so a
 * concurrent duplicate sees it and gets 409); its response is stored in the same transaction
 * as its writes, so a replay can never disagree with the database. The same key with the same
 * body replays the stored status and body; with another body (or route) it is a 422.
 * Keys live 24 hours; failed requests release their key so the client can retry.
 */
import { createHash } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client';
import { Prisma } from '../generated/prisma/client';
import { badRequest, conflict, unprocessable } from '../core/errors';
import type { Tx } from '../resources/service';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A claim older than this whose request never finished (crash) may be taken over. */
const STALE_CLAIM_MS = 5 * 60 * 1000;
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

export interface StoredResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export interface IdempotentRequest {
  key: string | undefined;
  userId: string;
  method: string;
  path: string;
  body: unknown;
}

/** Canonical JSON (sorted keys), so key order does not make two bodies differ. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonical(body)).digest('hex');
}

export type Replay = StoredResponse & { replayed: true };

/**
 * A write that is one statement: atomic alone, so it needs no transaction. Given the claimed key,
 * the same statement also stores the response; headers it cannot make (an ETag) are made again
 * from the stored response when it is replayed.
 */
export interface OneStatementWrite {
  run(db: PrismaClient, claim?: { id: string }): Promise<StoredResponse>;
  replayHeaders(stored: StoredResponse): Record<string, string>;
}

/**
 * Runs `write` in a transaction (or as its one statement), at most once per (user, key). Returns
 * the response to send: the fresh one, or the stored one of an earlier request with the same key.
 */
export async function idempotent(
  prisma: PrismaClient,
  req: IdempotentRequest,
  write: ((tx: Tx) => Promise<StoredResponse>) | OneStatementWrite,
  transactionOptions: { timeout: number; maxWait: number },
): Promise<StoredResponse | Replay> {
  const single = typeof write === 'function' ? undefined : write;
  if (req.key === undefined)
    return single ? single.run(prisma) : prisma.$transaction(write as (tx: Tx) => Promise<StoredResponse>, transactionOptions);
  if (!KEY_FORMAT.test(req.key))
    throw badRequest('The Idempotency-Key header is not valid', [
      { path: 'header.idempotency-key', message: 'must be 1 to 255 visible ASCII characters' },
    ]);

  const hash = requestHash(req.body);
  const claim = await claimKey(prisma, req, hash);
  if ('replayed' in claim) return single ? { ...claim, headers: { ...single.replayHeaders(claim), ...claim.headers } } : claim;
  try {
    if (single) return await single.run(prisma, claim);
    const inTransaction = write as (tx: Tx) => Promise<StoredResponse>;
    return await prisma.$transaction(async (tx) => {
      const response = await inTransaction(tx);
      await tx.idempotencyKey.update({
        where: { id: claim.id },
        data: {
          responseStatus: response.status,
          responseBody: response.body as Prisma.InputJsonValue,
          responseHeaders: response.headers,
        },
      });
      return response;
    }, transactionOptions);
  } catch (err) {
    await prisma.idempotencyKey.deleteMany({ where: { id: claim.id, responseStatus: null } });
    throw err;
  }
}

async function claimKey(prisma: PrismaClient, req: IdempotentRequest, hash: string): Promise<{ id: string } | Replay> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = new Date();
    try {
      return await prisma.idempotencyKey.create({
        data: {
          key: req.key as string,
          userId: req.userId,
          method: req.method,
          path: req.path,
          requestHash: hash,
          createdAt: now, // the same clock as expiresAt: keys live at least the full TTL
          expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
        },
        select: { id: true },
      });
    } catch (err) {
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
    }
    const existing = await prisma.idempotencyKey.findUnique({ where: { userId_key: { userId: req.userId, key: req.key as string } } });
    if (!existing) continue; // released meanwhile: claim again
    const stale = existing.responseStatus === null && now.getTime() - existing.createdAt.getTime() > STALE_CLAIM_MS;
    if (existing.expiresAt <= now || stale) {
      await prisma.idempotencyKey.deleteMany({ where: { id: existing.id } });
      continue;
    }
    if (existing.method !== req.method || existing.path !== req.path || existing.requestHash !== hash) {
      throw unprocessable('This Idempotency-Key was used with a different request; use a new key for a new request');
    }
    if (existing.responseStatus === null) {
      throw conflict('A request with this Idempotency-Key is still being processed; retry shortly');
    }
    return {
      status: existing.responseStatus,
      body: existing.responseBody,
      headers: (existing.responseHeaders ?? {}) as Record<string, string>,
      replayed: true,
    };
  }
  throw conflict('The Idempotency-Key could not be claimed; retry');
}

/** Deletes expired keys; run periodically. */
export async function purgeExpiredKeys(prisma: PrismaClient): Promise<number> {
  return (await prisma.idempotencyKey.deleteMany({ where: { expiresAt: { lt: new Date() } } })).count;
}
