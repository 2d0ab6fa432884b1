/**
 * The listing parameters in the OpenAPI document read as one filter language, and Swagger UI's
 * "Try it out" sends no filter by default (a pre-filled date example once made every listing
 * answer `data: []`). The same page is checked in a browser by processes/swagger-ui.test.ts.
 */
import { openApiDocument } from '../../src/api/openapi';
import { operatorsFor } from '../../src/resources/listing';
import { descriptors } from '../../src/resources/registry';

type Json = Record<string, unknown>;
const doc = openApiDocument() as unknown as { paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, Json> } };

const resolve = (node: Json): Json => {
  const ref = node.$ref as string | undefined;
  return ref ? (doc.components.schemas[ref.split('/').pop() as string] as Json) : node;
};

/** Every GET that lists (an operationId list…), with its query parameters. */
const listings = Object.entries(doc.paths).flatMap(([path, item]) => {
  const get = item.get;
  if (!get || !String(get.operationId).startsWith('list')) return [];
  const query = ((get.parameters ?? []) as Json[]).filter((p) => p.in === 'query');
  return [{ path, operationId: String(get.operationId), query }];
});

describe('listing parameters in the OpenAPI document', () => {
  it('finds the listings of every resource (so the checks below cannot pass on nothing)', () => {
    expect(listings.map((l) => l.path)).toEqual(expect.arrayContaining(descriptors.map((d) => `/api/v1/${d.name}`)));
  });

  it('when Swagger UI pre-fills a listing, then only limit has a value: no parameter carries an example, and a filter’s is {}', () => {
    for (const { operationId, query } of listings) {
      for (const p of query) {
        const schema = resolve(p.schema as Json);
        const where = `${operationId} ${String(p.name)}`;
        expect({ where, example: p.example, examples: p.examples }).toEqual({ where, example: undefined, examples: undefined });
        if (p.style === 'deepObject') expect({ where, example: schema.example }).toEqual({ where, example: {} });
        else expect({ where, example: schema.example }).toEqual({ where, example: undefined });
        if (p.name !== 'limit') expect({ where, default: schema.default }).toEqual({ where, default: undefined });
      }
    }
  });

  it('each filterable field is one deepObject parameter whose members are exactly its operators', () => {
    for (const d of descriptors) {
      const listing = listings.find((l) => l.path === `/api/v1/${d.name}`);
      const filterable = Object.entries(d.fields).filter(([, spec]) => spec.filterable !== false);
      for (const [field, spec] of filterable) {
        const p = listing?.query.find((q) => q.name === field);
        expect({ field, style: p?.style, explode: p?.explode }).toEqual({ field, style: 'deepObject', explode: true });
        const schema = resolve(p?.schema as Json);
        expect(Object.keys(schema.properties as Json)).toEqual(operatorsFor(spec));
        expect(schema.additionalProperties).toBe(false);
      }
      // paging (limit, cursor, sort, fields, include, count) plus one per field: no row per field × operator
      const paging = ['limit', 'cursor', 'sort', 'fields', 'count', ...(d.relations ? ['include'] : [])];
      expect(listing?.query.map((q) => q.name).sort()).toEqual([...paging, ...filterable.map(([f]) => f)].sort());
    }
  });

  it('the operation says how the filters are written', () => {
    const recordings = doc.paths['/api/v1/recordings']?.get as Json;
    expect(recordings.description).toMatch(/`status\[in\]=READY,FAILED/);
    expect(recordings.description).toMatch(/`isNull`/);
  });
});
