/**
 * The one CRUD router factory: given a resource service (descriptor + generic operations) it
 * mounts GET/POST on /{name} and GET/PATCH/DELETE on /{name}/{id}, with the listing language,
 * bulk create, ETags, If-Match, Idempotency-Key and 405s. Nothing here is table-specific.
 */
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { access } from '../access';
import { only } from '../methods';
import { parseBody, parseId, onlyParams, send, urlWith } from '../http';
import { principalOf, type Principal } from '../../auth/principal';
import { badRequest, forbidden } from '../../core/errors';
import { parseListQuery } from '../../resources/listing';
import { etagOf, matchesEtag } from '../../resources/output';
import { idempotent, type OneStatementWrite, type StoredResponse } from '../idempotency';
import { keepCreatedResponse } from '../idempotency-claim';
import type { ResourceService, Page, Tx } from '../../resources/service';
import type { PrismaClient } from '../../generated/prisma/client';
import type { CommitDeps, CommitTask, Row } from '../../resources/descriptor';
import { logger } from '../../core/logging';

export const MAX_BULK = 1000;
export const TRANSACTION = { timeout: 30_000, maxWait: 5_000 };

export interface ResourceRouteDeps {
  prisma: PrismaClient;
  /** The quoted PostgreSQL schema, for the raw statements of Idempotency-Key claims. */
  schema: string;
  /** For work a delete schedules for after its commit (a recording's file). */
  commitDeps?: CommitDeps;
}

function listResponse(req: Request, res: Response, page: Page, limit: number): void {
  if (page.nextCursor) res.setHeader('Link', `<${urlWith(req, 'cursor', page.nextCursor)}>; rel="next"`);
  const meta = { limit, nextCursor: page.nextCursor, ...(page.total === undefined ? {} : { total: page.total }) };
  // The rows are JSON already (serialized while the page's size was counted): joined, not re-encoded.
  res.type('application/json; charset=utf-8').send(`{"data":[${page.items.join(',')}],"page":${JSON.stringify(meta)}}`);
}

/** Parses a POST body (one object or an array of at most MAX_BULK) and runs the create. */
export async function createFrom(
  service: ResourceService,
  deps: ResourceRouteDeps,
  req: Request,
  res: Response,
  fixed: Record<string, unknown> = {},
): Promise<void> {
  const d = service.d;
  const p = principalOf(res);
  if (!d.create) throw badRequest('This resource cannot be created');
  if (d.adminOnlyCreate && p.role !== 'ADMIN') throw forbidden(`Only an admin may create ${d.name}`);
  const query = onlyParams(req, []);
  const body: unknown = req.body;
  const many = Array.isArray(body);
  const inputs = many
    ? parseBody(z.array(d.create).min(1, 'must hold at least one item').max(MAX_BULK, `must hold at most ${MAX_BULK} items`), body)
    : [parseBody(d.create, body ?? {})];
  const rows = inputs.map((input) => ({ ...input, ...fixed }));
  const base = req.baseUrl + `/${d.name}`;
  const { creation } = d;
  // A table's own creation function prepares before the transaction (users: password hashing).
  const prepared = creation && (await creation.prepare(rows));

  const insert = async (tx: Tx): Promise<Row[]> => {
    if (creation && prepared) return creation.insert(tx, p, prepared);
    if (many) return service.createMany(tx, p, rows, query);
    return [await service.create(tx, p, rows[0] as Record<string, unknown>, query)];
  };
  const created = (row: Row): StoredResponse => {
    const out = service.output(row, p);
    return { status: 201, body: out, headers: { Location: `${base}/${String(row.id)}`, ETag: etagOf(out) } };
  };
  const write = async (tx: Tx): Promise<StoredResponse> => {
    const rows = await insert(tx);
    if (many) return { status: 201, body: { data: rows.map((r) => service.output(r, p)) }, headers: {} };
    return created(rows[0] as Row);
  };
  // One row and no hook that needs queries: one statement, which needs no transaction.
  const direct = !many && !creation && service.direct?.creates ? service.direct : undefined;
  const single: OneStatementWrite | undefined = direct && {
    run: async (db, claim) =>
      created(await service.createDirect(db, p, rows[0] as Record<string, unknown>, claim && keepCreatedResponse(deps, claim, `${base}/`))),
    replayHeaders: (stored) => ({ ETag: direct.etagOfStored(stored.body as Record<string, unknown>) }),
  };
  const response = await idempotent(
    deps,
    { key: req.get('idempotency-key'), userId: p.userId, method: req.method, path: req.baseUrl + req.path, body },
    single ?? write,
    TRANSACTION,
  );
  send(res, response, 'replayed' in response);
}

export async function listFrom(service: ResourceService, req: Request, res: Response, scope: Record<string, unknown> = {}): Promise<void> {
  const q = parseListQuery(req.query as Record<string, unknown>, service.d);
  listResponse(req, res, await service.list(principalOf(res), q, scope), q.limit);
}

export function resourceRoutes(service: ResourceService, deps: ResourceRouteDeps): Router {
  const d = service.d;
  const router = Router();
  const collection = router.route(`/${d.name}`).get(access('authenticated'), (req, res) => listFrom(service, req, res));
  const item = router.route(`/${d.name}/:id`).get(access('authenticated'), async (req, res) => {
    const { include } = onlyParams(req, ['include']);
    const rels = include ? parseListQuery({ include }, d).include : [];
    const p = principalOf(res);
    const out = service.output(await service.get(p, parseId(d, req.params.id), rels), p);
    const etag = etagOf(out);
    res.setHeader('ETag', etag);
    const ifNoneMatch = req.get('if-none-match');
    if (ifNoneMatch && matchesEtag(ifNoneMatch, etag)) {
      res.status(304).end();
      return;
    }
    res.json(out);
  });

  if (d.readOnly) {
    collection.all(only('GET', 'HEAD'));
    item.all(only('GET', 'HEAD'));
    return router;
  }

  collection
    .post(access(d.adminOnlyCreate ? 'admin' : 'authenticated'), (req, res) => createFrom(service, deps, req, res))
    .all(only('GET', 'HEAD', 'POST'));

  item
    .patch(access('authenticated'), async (req, res) => {
      const p: Principal = principalOf(res);
      onlyParams(req, []);
      const id = parseId(d, req.params.id);
      const patch = parseBody(d.update as z.ZodType<Record<string, unknown>>, req.body ?? {});
      if (!Object.keys(patch).length) throw badRequest('The patch is empty', [{ path: 'body', message: 'must set at least one field' }]);
      const ifMatch = req.get('if-match');
      const row = service.direct?.updates(patch)
        ? await service.direct.update(deps.prisma, p, id, patch, ifMatch)
        : await deps.prisma.$transaction((tx) => service.update(tx, p, id, patch, ifMatch), TRANSACTION);
      const out = service.output(row, p);
      res.setHeader('ETag', etagOf(out));
      res.json(out);
    })
    .delete(access(d.adminOnlyDelete ? 'admin' : 'authenticated'), async (req, res) => {
      const p = principalOf(res);
      const query = onlyParams(req, d.deleteParams ?? []);
      const id = parseId(d, req.params.id);
      const tasks: CommitTask[] = [];
      const ifMatch = req.get('if-match');
      if (service.direct?.deletes) await service.direct.remove(deps.prisma, p, id, ifMatch);
      else await deps.prisma.$transaction((tx) => service.remove(tx, p, id, ifMatch, query, (t) => tasks.push(t)), TRANSACTION);
      res.status(204).end();
      // Deleted for the client either way; what fails here is left for the periodic sweep.
      const { commitDeps } = deps;
      if (commitDeps)
        for (const task of tasks)
          await task(commitDeps).catch((err: unknown) => logger.warn('work after a delete failed', { error: (err as Error).message }));
    })
    .all(only('GET', 'HEAD', 'PATCH', 'DELETE'));
  return router;
}
