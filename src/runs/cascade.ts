/**
 * A recording's runs go with it (the foreign key cascades); this deletes them first, so each
 * deleted run gets its own `run.deleted` event-log row in the same transaction, as every delete does.
 */
import type { Prisma } from '../generated/prisma/client';
import { recordEvents, snapshot } from '../resources/audit';

export async function deleteRunsOf(tx: Prisma.TransactionClient, recordingIds: string[], actorId: string): Promise<void> {
  if (!recordingIds.length) return;
  const runs = await tx.algoRun.findMany({ where: { recordingId: { in: recordingIds } }, omit: { leaseId: true } });
  if (!runs.length) return;
  await tx.algoRun.deleteMany({ where: { id: { in: runs.map((r) => r.id) } } });
  await recordEvents(
    tx,
    runs.map((r) => ({ actorId, action: 'run.deleted', entityType: 'run' as const, entityId: r.id, changes: { before: snapshot(r) } })),
  );
}
