/**
 * Idempotency-Key on POST: the first request with a key claims it (committed at once, so a
 * concurrent duplicate sees it and gets 409); its response is stored in the same transaction
 * as its writes, so a replay can never disagree with the database. The same key with the same
 * body replays the stored status and body; with another body (or route) it is a 422.
 * Keys live 24 hours; failed requests release their key so the client can retry.
 */
import { createHash } from 'node:crypto';
import type { Prisma, PrismaClient } from '../generated/prisma/client';
import { badRequest } from '../core/errors';
import type { Tx } from '../resources/service';
import { claimKey, releaseKey, type KeyStore, type Replay, type StoredResponse } from './idempotency-claim';

export { type KeyStore, type Replay, type StoredResponse } from './idempotency-claim';

const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

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
  db: KeyStore,
  req: IdempotentRequest,
  write: ((tx: Tx) => Promise<StoredResponse>) | OneStatementWrite,
  transactionOptions: { timeout: number; maxWait: number },
): Promise<StoredResponse | Replay> {
  const { prisma } = db;
  const single = typeof write === 'function' ? undefined : write;
  if (req.key === undefined)
    return single ? single.run(prisma) : prisma.$transaction(write as (tx: Tx) => Promise<StoredResponse>, transactionOptions);
  if (!KEY_FORMAT.test(req.key))
    throw badRequest('The Idempotency-Key header is not valid', [
      { path: 'header.idempotency-key', message: 'must be 1 to 255 visible ASCII characters' },
    ]);

  const claim = await claimKey(db, { key: req.key, userId: req.userId, method: req.method, path: req.path, hash: requestHash(req.body) });
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
    await releaseKey(db, claim);
    throw err;
  }
}

/** Deletes expired keys; run periodically. */
export async function purgeExpiredKeys(prisma: PrismaClient): Promise<number> {
  return (await prisma.idempotencyKey.deleteMany({ where: { expiresAt: { lt: new Date() } } })).count;
}
