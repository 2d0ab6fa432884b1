/**
 * /{parent}/{id}/{child}: the rows of a resource that belong to one row of another, for every
 * descriptor with a `parent` (e.g. /sessions/{id}/recordings). The parent must be visible to the
 * caller (404 otherwise). GET lists its children; POST creates them with the parent's id and the
 * parent's owner, and a body naming another parent is a 400.
 */
import { Router } from 'express';
import { z } from 'zod';
import { access } from '../access';
import { only } from '../methods';
import { parseBody, parseId } from '../http';
import { principalOf } from '../../auth/principal';
import { badRequest } from '../../core/errors';
import type { ResourceService } from '../../resources/service';
import { createFrom, listFrom, type ResourceRouteDeps } from './resource.routes';

export function nestedRoutes(child: ResourceService, parent: ResourceService, deps: ResourceRouteDeps): Router {
  const { foreignKey } = child.d.parent ?? {};
  if (!foreignKey) throw new Error(`${child.d.name} has no parent`);
  const router = Router();
  const route = router.route(`/${parent.d.name}/:id/${child.d.name}`).get(access('authenticated'), async (req, res) => {
    const row = await parent.get(principalOf(res), parseId(parent.d, req.params.id));
    await listFrom(child, req, res, { [foreignKey]: row.id });
  });
  if (child.d.readOnly || !child.d.create) {
    route.all(only('GET', 'HEAD'));
    return router;
  }
  route
    .post(access('authenticated'), async (req, res) => {
      const row = await parent.get(principalOf(res), parseId(parent.d, req.params.id));
      // The path names the parent; a body naming another one is a mistake, not an override.
      const items: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
      const named = parseBody(z.array(z.object({ [foreignKey]: z.unknown().optional() }).loose()), items);
      if (named.some((i) => i[foreignKey] !== undefined && i[foreignKey] !== row.id)) {
        throw badRequest(`The body names another ${parent.d.label} than the path`, [
          { path: `body.${foreignKey}`, message: `must be omitted or equal the ${parent.d.label} in the path` },
        ]);
      }
      // The children belong to the parent's owner (users own themselves).
      const owner = child.d.ownerField === 'id' ? {} : { [child.d.ownerField]: row[parent.d.ownerField] };
      await createFrom(child, deps, req, res, { [foreignKey]: row.id, ...owner });
    })
    .all(only('GET', 'HEAD', 'POST'));
  return router;
}
