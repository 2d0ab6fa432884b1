/**
 * The per-user storage quota (CONTENT_QUOTA_BYTES): the files of a user's recordings plus the
 * announced lengths of their unfinished resumable uploads. Checked before any byte is accepted
 * and again at the commit, under a per-user lock so that two uploads cannot both take the rest.
 */
import type { Prisma } from '../generated/prisma/client';
import type { Tx } from '../resources/service';
import { HttpError } from '../core/errors';

type Db = Pick<Prisma.TransactionClient, '$queryRawUnsafe'>;
const NONE = '00000000-0000-0000-0000-000000000000';

/** Bytes a user holds, leaving out one recording's current file and one upload (those being replaced or finished). */
export async function usedBytes(
  db: Db,
  schema: string,
  ownerId: string,
  except: { recordingId?: string; uploadId?: string } = {},
): Promise<number> {
  const rows = await db.$queryRawUnsafe<Array<{ used: bigint | number | string | null }>>(
    `SELECT (SELECT COALESCE(SUM("sizeBytes"), 0) FROM ${schema}."Recording"
              WHERE "userId" = $1::uuid AND "contentKey" IS NOT NULL AND id <> $2::uuid)
          + (SELECT COALESCE(SUM(u.length), 0) FROM ${schema}."ContentUpload" u
              JOIN ${schema}."Recording" r ON r.id = u."recordingId"
              WHERE r."userId" = $1::uuid AND u."expiresAt" > now() AND u.id <> $3::uuid) AS used`,
    ownerId,
    except.recordingId ?? NONE,
    except.uploadId ?? NONE,
  );
  return Number(rows[0]?.used ?? 0);
}

/** Serialises quota checks of one user until the transaction ends. */
export async function lockQuota(tx: Tx, ownerId: string): Promise<void> {
  await tx.$queryRawUnsafe('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))::text', `content-quota:${ownerId}`);
}

export const quotaExceeded = (quota: number, used: number, size: number | undefined): HttpError =>
  new HttpError({
    status: 413,
    type: 'quota-exceeded',
    title: 'Content Too Large',
    detail:
      `The owner's storage quota of ${quota} bytes would be exceeded: ${used} bytes are in use` +
      (size === undefined ? '' : `, this file has ${size}`),
  });
