import { badRequest, conflict } from '../core/errors';
import { sessionCreate, sessionFields, sessionUpdate } from '../models/session.model';
import { recordEvents, snapshot } from './audit';
import { defineResource } from './descriptor';
import { deleteRunsOf } from '../runs/cascade';

function checkTimes(startedAt: unknown, endedAt: unknown): void {
  if (startedAt instanceof Date && endedAt instanceof Date && endedAt < startedAt) {
    throw badRequest('A session cannot end before it starts', [{ path: 'body.endedAt', message: 'must not be before startedAt' }]);
  }
}

/**
 * Sessions. Deleting one that still has recordings is a 409 unless the request says
 * `?cascade=recordings`, which deletes them too (each with its own event-log row).
 */
export const sessions = defineResource({
  name: 'sessions',
  label: 'session',
  entityType: 'session',
  model: 'Session',
  fields: sessionFields,
  ownership: 'owned',
  ownerField: 'userId',
  relations: { user: { resource: 'users' } },
  create: sessionCreate,
  update: sessionUpdate,
  deleteParams: ['cascade'],
  rules: {
    create: (data) => checkTimes(data.startedAt, data.endedAt),
    update: (existing, patch) =>
      checkTimes(patch.startedAt ?? existing.startedAt, patch.endedAt === undefined ? existing.endedAt : patch.endedAt),
  },
  hooks: {
    async beforeDelete(existing, { tx, principal, query, afterCommit }) {
      const cascade = query.cascade;
      if (cascade !== undefined && cascade !== 'recordings') {
        throw badRequest('The cascade parameter is not valid', [{ path: 'query.cascade', message: 'must be "recordings"' }]);
      }
      const recordings = await tx.recording.findMany({ where: { sessionId: existing.id as string }, omit: { contentKey: true } });
      if (!recordings.length) return;
      if (cascade !== 'recordings') {
        throw conflict(`The session still has ${recordings.length} recording(s); delete them first or send ?cascade=recordings`);
      }
      await deleteRunsOf(
        tx,
        recordings.map((r) => r.id),
        principal.userId,
      );
      await tx.recording.deleteMany({ where: { sessionId: existing.id as string } });
      for (const r of recordings) afterCommit?.((deps) => deps.recordingDeleted(r.id));
      await recordEvents(
        tx,
        recordings.map((r) => ({
          actorId: principal.userId,
          action: 'recording.deleted',
          entityType: 'recording' as const,
          entityId: r.id,
          changes: { before: snapshot(r) },
        })),
      );
    },
  },
});
