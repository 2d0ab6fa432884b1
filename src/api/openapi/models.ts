/**
 * Output schemas, derived from the resource descriptors: the FieldMap
 * (what the listing language filters and sorts on), the JSON columns of the Prisma model that
 * are not in it (metadata, parameters, changes) and the embeddable relations.
 */
import { zodToOpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { Prisma } from '../../generated/prisma/client';
import { jsonObject, type FieldSpec } from '../../models/fields';
import type { ResourceDescriptor } from '../../resources/descriptor';
import { publicFields } from '../../resources/output';

/**
 * z.json() is recursive (a z.lazy that refers to itself); the generator needs a component name
 * for it, or it recurses forever. The name lives in the generator's own registry: metadata only,
 * validation is unchanged.
 */
export const jsonValue = jsonObject.valueType;
zodToOpenAPIRegistry.add(jsonValue, { _internal: { refId: 'JsonValue' }, description: 'Any JSON value' } as never);

const EXAMPLE_UUID = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const EXAMPLE_TIME = '2026-11-26T08:00:00.000Z';

/** The JSON value of one field as sent to clients (BigInt as a decimal string). */
export function valueSchema(spec: FieldSpec): z.ZodType {
  switch (spec.kind) {
    case 'uuid':
      return z.uuid();
    case 'string':
      return z.string();
    case 'enum':
      return z.enum(spec.values as [string, ...string[]]);
    case 'datetime':
      return z.iso.datetime({ offset: true });
    case 'int':
      return z.int();
    case 'float':
      return z.number();
    case 'bigint':
      return z
        .string()
        .regex(/^-?\d{1,19}$/)
        .meta({ description: 'A 64-bit integer as a decimal string' });
    case 'boolean':
      return z.boolean();
  }
}

function exampleValue(name: string, spec: FieldSpec): unknown {
  if (spec.nullable && spec.kind !== 'datetime') return null;
  switch (spec.kind) {
    case 'uuid':
      return EXAMPLE_UUID;
    case 'enum':
      return spec.values?.[0];
    case 'datetime':
      return EXAMPLE_TIME;
    case 'int':
      return 1000;
    case 'float':
      return 250.5;
    case 'bigint':
      return '1024';
    case 'boolean':
      return false;
    case 'string':
      return `example ${name}`;
  }
}

const prismaColumns = Prisma as unknown as Record<string, Record<string, string> | undefined>;

/** Columns of the model that are sent but not in the FieldMap: its JSON fields. */
export function jsonFields(d: ResourceDescriptor): Record<string, z.ZodType> {
  const columns = Object.keys(prismaColumns[`${d.model}ScalarFieldEnum`] ?? {});
  const shape = d.create instanceof z.ZodObject ? (d.create.shape as Record<string, z.ZodType>) : {};
  const out: Record<string, z.ZodType> = {};
  for (const column of columns.filter((c) => !(c in d.fields) && !d.hidden?.includes(c))) {
    const input = shape[column];
    // The create schema says what a JSON field holds (e.g. an object); always present on output.
    out[column] = input instanceof z.ZodOptional ? (input.unwrap() as z.ZodType) : (input ?? jsonValue);
  }
  return out;
}

export type Lookup = (name: string) => ResourceDescriptor;

export interface ModelSchemas {
  /** The object as GET /{name}/{id} returns it. */
  full: z.ZodType;
  /** A listing item: with `fields`, only the named fields (and `id`) are present. */
  partial: z.ZodType;
}

/** Builds (once per document) the output schemas of every descriptor. */
export function modelSchemas(list: readonly ResourceDescriptor[]): (d: ResourceDescriptor) => ModelSchemas {
  const byName = new Map(list.map((d) => [d.name, d]));
  const base = new Map<string, z.ZodObject>();
  const baseOf = (d: ResourceDescriptor): z.ZodObject => {
    let schema = base.get(d.name);
    if (!schema) {
      const shape: Record<string, z.ZodType> = {};
      const example: Record<string, unknown> = {};
      for (const [name, spec] of Object.entries(d.fields)) {
        shape[name] = spec.nullable ? valueSchema(spec).nullable() : valueSchema(spec);
        example[name] = exampleValue(name, spec);
      }
      for (const [name, json] of Object.entries(jsonFields(d))) {
        shape[name] = json;
        example[name] = {};
      }
      schema = z.object(shape).strict().meta({ example });
      base.set(d.name, schema);
    }
    return schema;
  };
  const embedded = new Map<string, z.ZodType>();
  const embeddedOf = (d: ResourceDescriptor): z.ZodType => {
    let schema = embedded.get(d.name);
    if (!schema) {
      const base = baseOf(d);
      const shown = new Set(['id', ...publicFields(d)]);
      const publicShape = Object.fromEntries(Object.entries(base.shape).filter(([k]) => shown.has(k)));
      const reduced = z
        .object(publicShape)
        .strict()
        .meta({ id: `${d.model}Public`, description: `The fields of a ${d.model} shown to callers who may not read it` });
      schema = z.union([base, reduced]).meta({
        id: `${d.model}Embedded`,
        description: `A ${d.model}, embedded by include=: in full when the caller may read it, else only ${[...shown].join(', ')}`,
      });
      embedded.set(d.name, schema);
    }
    return schema;
  };
  const built = new Map<string, ModelSchemas>();
  return (d) => {
    const done = built.get(d.name);
    if (done) return done;
    const relations: Record<string, z.ZodType> = {};
    for (const [rel, spec] of Object.entries(d.relations ?? {})) {
      if (!spec) continue;
      const target = byName.get(spec.resource);
      if (!target) throw new Error(`${d.name}.${rel}: no resource named ${spec.resource}`);
      // Embedded (with include=) as the related object itself, without its own relations.
      const fk = d.fields[`${rel}Id`];
      // (a union, not .nullable(): the generator drops the null of a nullable named schema)
      relations[rel] = (fk && !fk.nullable ? embeddedOf(target) : z.union([embeddedOf(target), z.null()])).optional();
    }
    const core = baseOf(d);
    const full = core.extend(relations).meta({ id: d.model, description: `A ${d.model} as the API sends it` });
    const optional = Object.fromEntries(Object.entries(core.shape).map(([k, v]) => [k, (v as z.ZodType).optional()]));
    const partial = z
      .object({ ...optional, id: core.shape.id as z.ZodType, ...relations })
      .strict()
      .meta({
        id: `${d.model}Item`,
        description: `A ${d.model} in a listing: every field, or only those named by \`fields\` (and \`id\`)`,
      });
    const schemas = { full, partial };
    built.set(d.name, schemas);
    return schemas;
  };
}
