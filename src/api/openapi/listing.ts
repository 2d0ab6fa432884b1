/**
 * The listing language of GET /{name} in the OpenAPI document: paging, sort, fields, include,
 * count, and one `deepObject` parameter per filterable field (`status[in]=READY,FAILED`) whose
 * schema is a filter with one member per operator — the form src/resources/listing.ts parses.
 *
 * No listing parameter carries an example that Swagger UI would send: "Try it out" fills each
 * parameter with its example, and a date example once turned every try into an empty page. An
 * object parameter without an example gets a sample generated from its schema instead, so each
 * filter schema's example is `{}`, which sends nothing.
 */
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
// The OpenAPI 3.1 types zod-to-openapi's own declarations are written in.
import type { ParameterObject, ReferenceObject, SchemaObject } from 'openapi3-ts/oas31';
import type { FieldKind, FieldSpec } from '../../models/fields';
import type { ResourceDescriptor } from '../../resources/descriptor';
import { DEFAULT_LIMIT, MAX_LIMIT, operatorsFor, type Operator } from '../../resources/listing';
import { jsonFields } from './models';

type Parameter = ParameterObject;
type JsonSchema = SchemaObject;

const OPERATORS: Record<Operator, string> = {
  eq: 'equals (`field=value` is short for `field[eq]=value`)',
  ne: 'differs from',
  gt: 'greater than',
  gte: 'greater than or equal to',
  lt: 'less than',
  lte: 'less than or equal to',
  in: 'is one of (a comma list of at most 100 values)',
  nin: 'is none of (a comma list of at most 100 values)',
  contains: 'contains (case-sensitive; `%` and `_` are ordinary characters)',
  icontains: 'contains (case-insensitive; `%` and `_` are ordinary characters)',
  startsWith: 'starts with (`%` and `_` are ordinary characters)',
  isNull: '`true`: is null, `false`: is not null',
};

/** How the filters read, for the listing operations' description. */
export const FILTER_LANGUAGE =
  'Filters: one parameter per field in the `deepObject` style, `field[op]=value`, e.g. ' +
  '`status[in]=READY,FAILED&recordedAt[gte]=2026-11-01`; several filters must all hold. Operators: ' +
  (Object.entries(OPERATORS) as Array<[Operator, string]>).map(([op, text]) => `\`${op}\` ${text}`).join('; ') +
  '. Each field takes the operators of its type (its parameter lists them).';

const KIND_NAMES: Record<FieldKind, string> = {
  uuid: 'Uuid',
  string: 'String',
  enum: 'Enum',
  datetime: 'DateTime',
  int: 'Int',
  float: 'Float',
  bigint: 'BigInt',
  boolean: 'Boolean',
};

/** One value as the listing parses it from a query string (src/resources/listing.ts, parseValue). */
function queryValue(spec: FieldSpec): JsonSchema {
  switch (spec.kind) {
    case 'uuid':
      return { type: 'string', format: 'uuid' };
    case 'string':
      return { type: 'string', maxLength: 1000 };
    case 'enum':
      return { type: 'string', enum: [...(spec.values ?? [])] };
    case 'datetime':
      return { type: 'string', description: 'An ISO 8601 date or date-time, e.g. 2026-11-26 or 2026-11-26T08:00:00Z' };
    case 'int':
      return { type: 'integer', minimum: -2147483648, maximum: 2147483647 };
    case 'float':
      return { type: 'number' };
    case 'bigint':
      return { type: 'string', pattern: '^-?\\d{1,19}$', description: 'A 64-bit integer as a decimal string' };
    case 'boolean':
      return { type: 'boolean' };
  }
}

/** What a user types into Swagger UI's box for the parameter (a JSON object), as an example in words. */
function typedExample(spec: FieldSpec): string {
  switch (spec.kind) {
    case 'enum':
      return `{"in": "${(spec.values ?? []).slice(0, 2).join(',')}"}`;
    case 'string':
      return '{"startsWith": "abc"}';
    case 'datetime':
      return '{"gte": "2026-11-01"}';
    case 'int':
    case 'float':
      return '{"gte": 1000}';
    case 'bigint':
      return '{"gte": "1048576"}';
    case 'boolean':
      return '{"eq": true}';
    case 'uuid':
      return '{"eq": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"}';
  }
}

function operand(op: Operator, spec: FieldSpec): JsonSchema {
  if (op === 'isNull') return { type: 'boolean' };
  if (op === 'in' || op === 'nin') {
    const of = spec.kind === 'enum' ? ` of ${spec.values?.join(', ')}` : '';
    return { type: 'string', description: `A comma list${of}, e.g. \`a,b\`` };
  }
  if (op === 'contains' || op === 'icontains' || op === 'startsWith') return { type: 'string', maxLength: 1000 };
  return queryValue(spec);
}

const query = (name: string, description: string, schema: SchemaObject | ReferenceObject, extra: Partial<Parameter> = {}): Parameter => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
  ...extra,
});
/** A comma list in one parameter (`sort=-createdAt,name`), as the API reads it. */
const commaList = (name: string, description: string, values: string[]): Parameter =>
  query(name, description, { type: 'array', items: { type: 'string', enum: values } }, { style: 'form', explode: false });

const registeredFilters = new WeakMap<OpenAPIRegistry, Set<string>>();

/**
 * The listing parameters of each descriptor; the filter schemas are registered as components,
 * shared by the fields of one type (an enum's by its field).
 */
export function listingParameters(registry: OpenAPIRegistry): (d: ResourceDescriptor) => Parameter[] {
  // One set per registry: every caller (resources, runs) shares the filter components.
  const registered = registeredFilters.get(registry) ?? new Set<string>();
  registeredFilters.set(registry, registered);
  const filterRef = (d: ResourceDescriptor, field: string, spec: FieldSpec): { $ref: string } => {
    const type = spec.kind === 'enum' ? `${d.model}${field[0]?.toUpperCase()}${field.slice(1)}` : KIND_NAMES[spec.kind];
    const id = `${spec.nullable ? 'Nullable' : ''}${type}Filter`;
    if (!registered.has(id)) {
      registered.add(id);
      registry.registerComponent('schemas', id, {
        type: 'object',
        description: `A filter on a${spec.nullable ? ' nullable' : ''} ${spec.kind === 'enum' ? `${d.model}.${field}` : spec.kind} field: one member per operator, all of which must hold.`,
        properties: Object.fromEntries(operatorsFor(spec).map((op) => [op, operand(op, spec)])),
        additionalProperties: false,
        example: {},
      });
    }
    return { $ref: `#/components/schemas/${id}` };
  };

  return (d) => {
    const sortable = Object.keys(d.fields).filter((f) => d.fields[f]?.sortable);
    const relations = Object.keys(d.relations ?? {});
    const paging = [
      query('limit', 'Page size', { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT }),
      query('cursor', 'The `page.nextCursor` of the previous page (keyset pagination; same `sort` required)', { type: 'string' }),
      commaList(
        'sort',
        `Sort keys, \`-\` for descending, e.g. \`-${sortable[0] ?? 'createdAt'},createdAt\`; the id is always the final ` +
          `tie-breaker. Default: ${d.defaultSort ?? 'createdAt'}`,
        sortable.flatMap((f) => [f, `-${f}`]),
      ),
      commaList('fields', 'Return only these fields (`id` is always included)', [...Object.keys(d.fields), ...Object.keys(jsonFields(d))]),
      ...(relations.length ? [commaList('include', 'Relations to embed in each item', relations)] : []),
      query('count', '`true` adds `page.total`, the exact size of the filtered set', { type: 'boolean' }),
    ];
    const filters = Object.entries(d.fields)
      .filter(([, spec]) => spec.filterable !== false)
      .map(([field, spec]) =>
        query(
          field,
          `Filter on \`${field}\`: ${operatorsFor(spec)
            .map((op) => `\`${field}[${op}]\``)
            .join(', ')}. In Swagger UI, type a JSON object such as \`${typedExample(spec)}\`.`,
          filterRef(d, field, spec),
          { style: 'deepObject', explode: true },
        ),
      );
    return [...paging, ...filters];
  };
}
