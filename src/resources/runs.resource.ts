import { badRequest, HttpError, type FieldError } from '../core/errors';
import type { Prisma } from '../generated/prisma/client';
import { DEFAULT_MAX_ATTEMPTS, runCreate, runFields } from '../models/run.model';
import { validateParameters } from '../runs/parameters';
import { defineResource, type WriteContext } from './descriptor';
import { recordings } from './recordings.resource';
import { visibleWhere } from './service';

export const algoNotRunnable = (detail: string, errors?: FieldError[]): HttpError =>
  new HttpError({ status: 409, type: 'algo-not-runnable', title: 'Conflict', detail, errors });

/**
 * What a run's creation needs checked, for all rows at once: the algo is PUBLISHED; every
 * recording exists and the caller may read it; the parameters satisfy the algo's schema (its
 * defaults filled in). The run belongs to the recording's owner, so its results sit with the
 * recording whoever (an admin) started it.
 */
async function prepare(
  rows: Array<Record<string, unknown>>,
  { tx, principal }: WriteContext,
  pathOf: (i: number, field: string) => string,
): Promise<Array<Record<string, unknown>>> {
  const algoIds = [...new Set(rows.map((r) => r.algoId as string))];
  const algoList = await tx.algo.findMany({
    where: { id: { in: algoIds } },
    select: { id: true, name: true, version: true, status: true, parameters: true },
  });
  const algos = new Map(algoList.map((a) => [a.id, a]));
  for (const algo of algoList) {
    if (algo.status !== 'PUBLISHED') {
      throw algoNotRunnable(`The algo ${algo.name} ${algo.version} is ${algo.status}: only PUBLISHED algos can be run`);
    }
  }
  const wanted = [...new Set(rows.map((r) => r.recordingId as string))];
  const found = await tx.recording.findMany({
    where: { id: { in: wanted }, ...visibleWhere(recordings, principal) },
    select: { id: true, userId: true },
  });
  const owner = new Map(found.map((r) => [r.id, r.userId]));
  const errors: FieldError[] = [];
  const out = rows.map((row, i) => {
    const algo = algos.get(row.algoId as string);
    if (!algo) throw new Error(`algo ${String(row.algoId)} vanished`); // the route read it before
    const userId = owner.get(row.recordingId as string);
    if (!userId) errors.push({ path: pathOf(i, 'recordingId'), message: 'no recording with this id that you may read' });
    const checked = validateParameters(
      algo.parameters as Record<string, unknown>,
      (row.parameters as Record<string, unknown> | undefined) ?? {},
      pathOf(i, 'parameters'),
    );
    if ('unusable' in checked) {
      throw algoNotRunnable(
        `The parameters schema of the algo ${algo.name} ${algo.version} is not a usable JSON Schema; its owner must correct it`,
        checked.unusable,
      );
    }
    if ('problems' in checked) errors.push(...checked.problems);
    return {
      ...row,
      userId,
      parameters: ('value' in checked ? checked.value : {}) as Prisma.InputJsonObject,
      maxAttempts: row.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    };
  });
  if (errors.length) throw badRequest('A run cannot be created as asked', errors.slice(0, 50));
  return out;
}

/**
 * Runs of algos on recordings: members see the runs of their recordings, admins all. Listed and
 * read through the generic routes; created by POST /algos/{id}/runs, cancelled by
 * POST /runs/{id}/cancel and moved through their states by workers (src/runs/queue.ts).
 */
export const runs = defineResource({
  name: 'runs',
  label: 'run',
  entityType: 'run',
  model: 'AlgoRun',
  fields: runFields,
  ownership: 'owned',
  ownerField: 'userId',
  hidden: ['leaseId'],
  relations: { algo: { resource: 'algos' }, recording: { resource: 'recordings' }, user: { resource: 'users' } },
  // No generic POST, PATCH or DELETE: runs change through their own routes.
  readOnly: true,
  create: runCreate,
  hooks: {
    beforeCreate: async (data, ctx) => (await prepare([data], ctx, (_i, field) => `body.${field}`))[0] as Record<string, unknown>,
    beforeCreateMany: (rows, ctx) => prepare(rows, ctx, (i, field) => `body.${i}.${field}`),
  },
});
