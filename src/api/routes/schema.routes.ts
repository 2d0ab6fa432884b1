/**
 * GET /api/v1/_schema (admins): the models the API serves — fields, types, relations and
 * indexes from Prisma's DMMF (src/models/generated/schema.ts), with what the API allows on
 * each (filter operators, sort keys, embeddable relations) — for clients and operators.
 */
import { Router } from 'express';
import { access } from '../access';
import { only } from '../methods';
import { datamodel } from '../../models/generated/schema';
import { operatorsFor } from '../../resources/listing';
import type { ResourceDescriptor } from '../../resources/descriptor';

export function describeResources(list: readonly ResourceDescriptor[]): unknown {
  return {
    resources: list.map((d) => {
      const model = datamodel.models[d.model as keyof typeof datamodel.models];
      const hidden = new Set(d.hidden ?? []);
      return {
        name: d.name,
        path: `/api/v1/${d.name}`,
        model: d.model,
        readOnly: Boolean(d.readOnly),
        ownership: d.ownership,
        fields: Object.fromEntries(
          Object.entries(model.fields)
            .filter(([name]) => !hidden.has(name))
            .map(([name, f]) => {
              const spec = d.fields[name];
              return [
                name,
                { ...f, filterOperators: spec && spec.filterable !== false ? operatorsFor(spec) : [], sortable: Boolean(spec?.sortable) },
              ];
            }),
        ),
        relations: Object.fromEntries(
          Object.entries(model.relations).map(([name, r]) => [name, { ...r, embeddable: Boolean(d.relations?.[name]) }]),
        ),
        indexes: model.indexes,
      };
    }),
    enums: datamodel.enums,
  };
}

export function schemaRoutes(list: readonly ResourceDescriptor[]): Router {
  const body = describeResources(list);
  const router = Router();
  router
    .route('/_schema')
    .get(access('admin'), (_req, res) => {
      res.json(body);
    })
    .all(only('GET', 'HEAD'));
  return router;
}
