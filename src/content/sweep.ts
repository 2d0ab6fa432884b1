/**
 * The periodic sweep (every CONTENT_SWEEP_INTERVAL, on any instance): unfinished resumable
 * uploads past their expiry, staged bytes no upload row owns, stored files no recording points
 * to, and temporary files of writes that never finished. Nothing a row references is touched,
 * and nothing younger than the grace period (a write between its last byte and its commit).
 */
import type { Prisma, PrismaClient } from '../generated/prisma/client';
import { logger } from '../core/logging';
import type { ContentStore } from '../storage';
import { FileSystemStore } from '../storage/filesystem';
import { RECORDINGS_PREFIX, recordingOfKey } from '../storage/keys';

/** Files and staged bytes younger than this are left alone (they may be about to be committed). */
export const SWEEP_GRACE_MS = 60 * 60 * 1000;

export interface SweepDeps {
  prisma: PrismaClient;
  store: ContentStore;
}

export interface SweepReport {
  expiredUploads: number;
  orphanStaging: number;
  orphanObjects: number;
  temporaries: number;
}

export async function sweepContent({ prisma, store }: SweepDeps, graceMs = SWEEP_GRACE_MS, now = new Date()): Promise<SweepReport> {
  const before = new Date(now.getTime() - graceMs);
  const report: SweepReport = { expiredUploads: 0, orphanStaging: 0, orphanObjects: 0, temporaries: 0 };

  const expired = await prisma.contentUpload.findMany({ where: { expiresAt: { lt: now } }, select: { id: true } });
  for (const { id } of expired) {
    await store.staging.remove(id);
    await prisma.contentUpload.deleteMany({ where: { id } });
    report.expiredUploads++;
  }

  const staged: string[] = [];
  for await (const entry of store.staging.list()) if (entry.modifiedAt < before) staged.push(entry.id);
  const live = new Set(
    (await prisma.contentUpload.findMany({ where: { id: { in: staged.filter(isUuid) } }, select: { id: true } })).map((u) => u.id),
  );
  for (const id of staged.filter((s) => !live.has(s))) {
    await store.staging
      .remove(id)
      .catch((err: unknown) => logger.warn('sweep: could not remove staged bytes', { id, error: (err as Error).message }));
    report.orphanStaging++;
  }

  let batch: string[] = [];
  const flush = async (): Promise<void> => {
    report.orphanObjects += await removeUnreferenced(prisma, store, batch);
    batch = [];
  };
  for await (const object of store.list(RECORDINGS_PREFIX)) {
    if (object.modifiedAt >= before) continue;
    batch.push(object.key);
    if (batch.length >= 500) await flush();
  }
  await flush();

  if (store instanceof FileSystemStore) report.temporaries = await store.removeStaleTemporaries(before);
  return report;
}

const isUuid = (s: string): boolean => /^[0-9a-f-]{36}$/.test(s);

async function removeUnreferenced(prisma: PrismaClient, store: ContentStore, keys: string[]): Promise<number> {
  if (!keys.length) return 0;
  const ids = [...new Set(keys.map(recordingOfKey).filter((id): id is string => id !== undefined))];
  const rows = await prisma.recording.findMany({
    where: { id: { in: ids } } satisfies Prisma.RecordingWhereInput,
    select: { contentKey: true },
  });
  const referenced = new Set(rows.map((r) => r.contentKey));
  let removed = 0;
  for (const key of keys.filter((k) => !referenced.has(k))) {
    await store
      .remove(key)
      .catch((err: unknown) => logger.warn('sweep: could not remove an orphan file', { key, error: (err as Error).message }));
    removed++;
  }
  return removed;
}

/** Runs the sweep every `intervalMs` (also once shortly after start); returns a stop function. */
export function startContentSweep(deps: SweepDeps, intervalMs: number): () => void {
  const run = (): void => {
    sweepContent(deps)
      .then((r) => {
        if (r.expiredUploads || r.orphanStaging || r.orphanObjects || r.temporaries) logger.info('content sweep', { ...r });
      })
      .catch((err: unknown) => logger.warn('content sweep failed', { error: (err as Error).message }));
  };
  const first = setTimeout(run, 30_000).unref();
  const timer = setInterval(run, intervalMs).unref();
  return () => {
    clearTimeout(first);
    clearInterval(timer);
  };
}
