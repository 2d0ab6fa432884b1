/**
 * The CRUD paths of every registered descriptor (src/resources/registry.ts), as mounted by
 * src/api/routes/resource.routes.ts, and the nested paths of those with a parent
 * (/sessions/{id}/recordings, src/api/routes/nested.routes.ts): a new descriptor is documented
 * by being registered.
 */
import type { OpenAPIRegistry, RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { ParameterObject } from 'openapi3-ts/oas31';
import { z } from 'zod';
import type { ParentSpec, ResourceDescriptor } from '../../resources/descriptor';
import { MAX_BULK } from '../routes/resource.routes';
import { errors, jsonBody, ok, paramRef } from './common';
import { FILTER_LANGUAGE, listingParameters } from './listing';
import { modelSchemas, valueSchema, type ModelSchemas } from './models';

export const API = '/api/v1';
const pascal = (name: string) => name.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase());

const pageSchema = z
  .object({
    limit: z.int(),
    nextCursor: z.string().nullable().meta({
      description:
        'Pass as `cursor` for the next page; null on the last page. A page may hold fewer than `limit` rows (it ends at 4 MiB of JSON)',
    }),
    total: z.int().optional().meta({ description: 'With `count=true`: the size of the filtered set' }),
  })
  .strict()
  .meta({ id: 'Page' });

function idParams(d: ResourceDescriptor, description = `The id of the ${d.model}`) {
  const id = d.fields.id;
  if (!id) throw new Error(`${d.name} has no id field`);
  return z.object({ id: valueSchema(id).meta({ description }) });
}

function listResponse(d: ResourceDescriptor, m: ModelSchemas) {
  const page = z
    .object({ data: z.array(m.partial), page: pageSchema })
    .strict()
    .meta({ id: `${d.model}Page` });
  return ok('One page of the listing, in sort order', page, ['Link']);
}

export function listRoute(
  d: ResourceDescriptor,
  m: ModelSchemas,
  path: string,
  listing: ParameterObject[],
  extra: Partial<RouteConfig> = {},
): RouteConfig {
  return {
    method: 'get',
    path,
    tags: [d.name],
    operationId: `list${pascal(d.name)}`,
    summary: `List ${d.name}`,
    description:
      `Keyset-paginated listing. ${FILTER_LANGUAGE} An unknown field, operator or sort key, ` +
      'or a value of the wrong type, is a 400 that names the parameter.',
    parameters: [paramRef('XRequestId'), ...listing],
    responses: { 200: listResponse(d, m), ...errors(400, 401, 429, 500, 503) },
    ...extra,
  };
}

export function createRoute(d: ResourceDescriptor, m: ModelSchemas, path: string, extra: Partial<RouteConfig> = {}): RouteConfig {
  const create = d.create as z.ZodType;
  const one = create.meta({ id: `${d.model}Create` });
  const created = z
    .object({ data: z.array(m.full) })
    .strict()
    .meta({ id: `${d.model}Created` });
  return {
    method: 'post',
    path,
    tags: [d.name],
    operationId: `create${d.model}`,
    summary: `Create one ${d.model}, or up to ${MAX_BULK} at once`,
    description: `An object creates one (201 with Location and ETag). An array of 1 to ${MAX_BULK} objects creates all or none (201 with \`{ data }\`).`,
    parameters: [paramRef('XRequestId'), paramRef('IdempotencyKey')],
    request: { body: jsonBody(z.union([one, z.array(one).min(1).max(MAX_BULK)])) },
    responses: {
      201: ok('Created: the object (for one) or `{ data }` (for an array)', z.union([m.full, created]), [
        'Location',
        'ETag',
        'Idempotent-Replayed',
      ]),
      ...errors(400, 401, ...(d.adminOnlyCreate ? ([403] as const) : []), 409, 413, 415, 422, 429, 500, 503),
    },
    ...extra,
  };
}

export function registerResources(
  registry: OpenAPIRegistry,
  list: readonly ResourceDescriptor[],
  schemasOf: (d: ResourceDescriptor) => ModelSchemas = modelSchemas(list),
): void {
  const listingOf = listingParameters(registry);
  for (const d of list) {
    const m = schemasOf(d);
    const collection = `${API}/${d.name}`;
    const item = `${collection}/{id}`;
    registry.registerPath(listRoute(d, m, collection, listingOf(d)));
    const relations = Object.keys(d.relations ?? {});
    registry.registerPath({
      method: 'get',
      path: item,
      tags: [d.name],
      operationId: `get${d.model}`,
      summary: `Get one ${d.model}`,
      parameters: [paramRef('XRequestId'), paramRef('IfNoneMatch')],
      request: {
        params: idParams(d),
        ...(relations.length
          ? {
              query: z.object({
                include: z
                  .array(z.enum(relations as [string, ...string[]]))
                  .optional()
                  .meta({ param: { style: 'form', explode: false } }),
              }),
            }
          : {}),
      },
      responses: {
        200: ok(`The ${d.model}`, m.full, ['ETag']),
        304: ok('Not modified: If-None-Match lists the current ETag', undefined, ['ETag']),
        ...errors(400, 401, 404, 429, 500, 503),
      },
    });
    if (d.readOnly || !d.create || !d.update) continue;
    // Everyone reads a shared-read object (algos), so changing another owner's is a 403, not a 404.
    const notOwnerForbidden = d.ownership === 'sharedRead';

    registry.registerPath(createRoute(d, m, collection));
    registry.registerPath({
      method: 'patch',
      path: item,
      tags: [d.name],
      operationId: `update${d.model}`,
      summary: `Change some fields of a ${d.model}`,
      description: 'Fields left out keep their value; `null` clears a nullable field. Unknown and read-only fields are a 400.',
      parameters: [paramRef('XRequestId'), paramRef('IfMatch')],
      request: { params: idParams(d), body: jsonBody(d.update.meta({ id: `${d.model}Update` })) },
      responses: {
        200: ok(`The changed ${d.model}`, m.full, ['ETag']),
        ...errors(400, 401, ...(notOwnerForbidden ? ([403] as const) : []), 404, 409, 412, 413, 415, 429, 500, 503),
      },
    });
    registry.registerPath({
      method: 'delete',
      path: item,
      tags: [d.name],
      operationId: `delete${d.model}`,
      summary: `Delete a ${d.model}`,
      parameters: [paramRef('XRequestId'), paramRef('IfMatch')],
      request: {
        params: idParams(d),
        ...(d.deleteParams?.length
          ? {
              query: z.object(
                Object.fromEntries(
                  d.deleteParams.map((p) => [
                    p,
                    z
                      .string()
                      .optional()
                      .meta({ description: `See the ${d.model} rules` }),
                  ]),
                ),
              ),
            }
          : {}),
      },
      responses: {
        204: ok('Deleted'),
        ...errors(400, 401, ...(d.adminOnlyDelete || notOwnerForbidden ? ([403] as const) : []), 404, 409, 412, 429, 500, 503),
      },
    });
  }

  for (const child of list) if (child.parent) registerNested(registry, list, child, schemasOf(child), listingOf(child));
}

/** /{parent}/{id}/{child} of a descriptor with a parent (src/api/routes/nested.routes.ts). */
function registerNested(
  registry: OpenAPIRegistry,
  list: readonly ResourceDescriptor[],
  child: ResourceDescriptor,
  m: ModelSchemas,
  listing: ParameterObject[],
): void {
  const { resource, foreignKey } = child.parent as ParentSpec;
  const parent = list.find((d) => d.name === resource);
  if (!parent) throw new Error(`${child.name}.parent: no resource named ${resource}`);
  const path = `${API}/${parent.name}/{id}/${child.name}`;
  const params = idParams(parent, `The id of the ${parent.label}`);
  const listOp = listRoute(child, m, path, listing, {
    operationId: `list${parent.model}${pascal(child.name)}`,
    summary: `List the ${child.name} of a ${parent.label}`,
  });
  registry.registerPath({ ...listOp, request: { ...listOp.request, params }, responses: { ...listOp.responses, ...errors(404) } });
  if (child.readOnly || !child.create) return;
  const create = createRoute(child, m, path, {
    operationId: `create${parent.model}${pascal(child.name)}`,
    summary: `Create ${child.name} in a ${parent.label} (${foreignKey} and owner come from the path)`,
  });
  registry.registerPath({ ...create, request: { ...create.request, params }, responses: { ...create.responses, ...errors(404) } });
}
