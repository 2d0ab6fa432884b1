import { badRequest, conflict } from '../core/errors';
import { recordingCreate, recordingFields, recordingUpdate } from '../models/recording.model';
import { defineResource, type WriteContext } from './descriptor';
import { deleteRunsOf } from '../runs/cascade';

const SESSION_TITLE = 'A recording must belong to a session of the same owner';
const SESSION_MESSAGE = 'no session with this id belongs to the recording’s owner';

/** Every referenced session must exist and belong to the recording's owner (one query for all rows). */
async function checkSessions(rows: Array<Record<string, unknown>>, { tx }: WriteContext, pathOf: (i: number) => string): Promise<void> {
  const wanted = rows.map((r) => r.sessionId).filter((id): id is string => typeof id === 'string');
  if (!wanted.length) return;
  const found = await tx.session.findMany({ where: { id: { in: [...new Set(wanted)] } }, select: { id: true, userId: true } });
  const owner = new Map(found.map((s) => [s.id, s.userId]));
  const errors = rows
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => typeof r.sessionId === 'string' && owner.get(r.sessionId) !== r.userId)
    .map(({ i }) => ({ path: pathOf(i), message: SESSION_MESSAGE }));
  if (errors.length) throw badRequest(SESSION_TITLE, errors);
}

/** While a recording has a file, its checksum and size are the file's (set by the upload), not the client's. */
async function checkContentFields(existing: Record<string, unknown>, patch: Record<string, unknown>, { tx }: WriteContext): Promise<void> {
  const changes = (['sha256', 'sizeBytes'] as const).filter((f) => patch[f] !== undefined && String(patch[f]) !== String(existing[f]));
  if (!changes.length) return;
  const row = await tx.recording.findUnique({ where: { id: existing.id as string }, select: { contentKey: true } });
  if (row?.contentKey) {
    throw conflict(
      'The recording has content: its sha256 and sizeBytes are those of the file (upload another file or delete the content first)',
      changes.map((f) => ({ path: `body.${f}`, message: 'is set from the uploaded file' })),
    );
  }
}

export const recordings = defineResource({
  name: 'recordings',
  label: 'recording',
  entityType: 'recording',
  model: 'Recording',
  fields: recordingFields,
  ownership: 'owned',
  ownerField: 'userId',
  hidden: ['contentKey'],
  relations: { session: { resource: 'sessions' }, user: { resource: 'users' } },
  // Also /sessions/{id}/recordings (src/api/routes/nested.routes.ts).
  parent: { resource: 'sessions', foreignKey: 'sessionId' },
  create: recordingCreate,
  update: recordingUpdate,
  oneStatement: {
    // beforeCreate's session check, as a condition of the INSERT.
    createGuard: {
      sql(value, names) {
        const session = value('sessionId');
        if (!session) return undefined;
        const S = names.table('Session');
        return `(${session} IS NULL OR EXISTS (SELECT 1 FROM ${S.table} s WHERE s.${S.c.id} = ${session} AND s.${S.c.userId} = ${value('userId')}))`;
      },
      error: () => badRequest(SESSION_TITLE, [{ path: 'body.sessionId', message: SESSION_MESSAGE }]),
    },
    updateHookFields: ['sessionId', 'sha256', 'sizeBytes'],
  },
  hooks: {
    async beforeCreate(data, ctx) {
      await checkSessions([data], ctx, () => 'body.sessionId');
      return data;
    },
    async beforeCreateMany(rows, ctx) {
      await checkSessions(rows, ctx, (i) => `body.${i}.sessionId`);
      return rows;
    },
    async beforeUpdate(existing, patch, ctx) {
      if (typeof patch.sessionId === 'string') await checkSessions([{ ...patch, userId: existing.userId }], ctx, () => 'body.sessionId');
      await checkContentFields(existing, patch, ctx);
      return patch;
    },
    async beforeDelete(existing, ctx) {
      const id = existing.id as string;
      await deleteRunsOf(ctx.tx, [id], ctx.principal.userId);
      ctx.afterCommit?.((deps) => deps.recordingDeleted(id));
    },
  },
});
