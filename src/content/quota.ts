/**
 * The per-user storage quota (CONTENT_QUOTA_BYTES): the files of a user's recordings plus the
 * announced lengths of their unfinished resumable uploads. Checked before any byte is accepted
 * and again at the commit, under a per-user lock so that two uploads cannot both take the rest.
 */
import type { Prisma } from '../generated/prisma/client';
import type { Tx } from '../resources/service';
import { HttpError } from '../core/errors';
import { sqlNames, type SqlNames } from '../db/sql-names';

type Db = Pick<Prisma.TransactionClient, '$queryRawUnsafe'>;

/** $1 owner, $2 recording left out (NULL: none), $3 upload left out (NULL: none); names from the model metadata. */
export function usedBytesSql(names: SqlNames): string {
  const R = names.table('Recording');
  const U = names.table('ContentUpload');
  const [r, u, user] = [R.c, U.c, names.table('User').id.type];
  return `SELECT (SELECT COALESCE(SUM(${r.sizeBytes}), 0) FROM ${R.table}
                   WHERE ${r.userId} = $1::${user} AND ${r.contentKey} IS NOT NULL
                     AND ($2::${R.id.type} IS NULL OR ${r.id} <> $2::${R.id.type}))
               + (SELECT COALESCE(SUM(u.${u.length}), 0) FROM ${U.table} u
                   JOIN ${R.table} r ON r.${r.id} = u.${u.recordingId}
                   WHERE r.${r.userId} = $1::${user} AND u.${u.expiresAt} > now()
                     AND ($3::${U.id.type} IS NULL OR u.${u.id} <> $3::${U.id.type})) AS used`;
}

const built = new Map<string, string>();
/** The statement for a (quoted) schema, built once. */
function usedBytesIn(schema: string): string {
  let sql = built.get(schema);
  if (sql === undefined) built.set(schema, (sql = usedBytesSql(sqlNames(schema))));
  return sql;
}

/** Bytes a user holds, leaving out one recording's current file and one upload (those being replaced or finished). */
export async function usedBytes(
  db: Db,
  schema: string,
  ownerId: string,
  except: { recordingId?: string; uploadId?: string } = {},
): Promise<number> {
  const rows = await db.$queryRawUnsafe<Array<{ used: bigint | number | string | null }>>(
    usedBytesIn(schema),
    ownerId,
    except.recordingId ?? null,
    except.uploadId ?? null,
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
