/**
 * Valid request bodies for any registered resource, derived from its Zod create and update
 * schemas and the generated model metadata, so that the tests that walk every resource (the
 * contract test's writes, ownership) need no fixture per table.
 *
 * Each field gets the first of a few candidate values that its own schema accepts: a value the
 * model module declares (`.meta({ examples: […] })` on the field, which the OpenAPI document shows
 * too), then values shaped by its JSON Schema (format, length, bounds, enum), made unique per call
 * so unique columns do not collide. A foreign key to another resource's row (a recording's
 * sessionId) gets a row of that resource created first, by the same caller. The whole body is
 * checked against the schema at the end, so a rule across fields that no candidate satisfies is
 * reported, naming the resource, rather than sent.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { z } from 'zod';
import { datamodel } from '../../src/models/generated/schema';
import type { ResourceDescriptor } from '../../src/resources/descriptor';
import { descriptors } from '../../src/resources/registry';
import { authHeader } from './factories';

type Json = Record<string, unknown>;
type Schema = z.ZodType;

const RUN = randomBytes(3).toString('hex');
let counter = 0;
/** A fresh suffix: this process's run id and a counter. */
const unique = (): string => `${RUN}${++counter}`;

const jsonSchemaOf = (schema: Schema): Json => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;

/** The JSON Schemas a value may match: the alternatives of anyOf / oneOf, without null. */
function alternatives(js: Json): Json[] {
  const options = (js.anyOf ?? js.oneOf) as Json[] | undefined;
  if (options) return options.flatMap(alternatives);
  return js.type === 'null' ? [] : [js];
}

/** Examples declared on the field (or on one of its alternatives). */
const declared = (js: Json): unknown[] => [
  ...((js.examples as unknown[] | undefined) ?? []),
  ...alternatives(js).flatMap((a) => (a === js ? [] : declared(a))),
];

function strings(js: Json, u: string): string[] {
  const min = Number(js.minLength ?? 0);
  const max = Number(js.maxLength ?? 255);
  const fit = (s: string): string => (s.length < min ? s.padEnd(min, 'x') : s).slice(-max);
  const stamp = new Date(Date.UTC(2026, 0, 1) + counter * 1000).toISOString();
  const byFormat: Record<string, string> = {
    uuid: randomUUID(),
    email: `example-${u}@example.com`,
    uri: `https://example.com/${u}`,
    url: `https://example.com/${u}`,
    'date-time': stamp,
    date: stamp.slice(0, 10),
  };
  const format = typeof js.format === 'string' ? byFormat[js.format] : undefined;
  return [...(format ? [format] : []), `example-${u}`, `Example ${u}`, ...Object.values(byFormat)].map(fit);
}

function numbers(js: Json): number[] {
  const low = js.minimum ?? (typeof js.exclusiveMinimum === 'number' ? js.exclusiveMinimum + 1 : undefined);
  return [low, 1, 0, js.maximum].filter((n): n is number => typeof n === 'number');
}

/** Values of the shape a JSON Schema describes, most likely valid first. */
function candidates(js: Json): unknown[] {
  const u = unique();
  return alternatives(js).flatMap((a): unknown[] => {
    if (Array.isArray(a.enum)) return a.enum as unknown[];
    if ('const' in a) return [a.const];
    const types = [a.type].flat();
    return types.flatMap((type): unknown[] => {
      switch (type) {
        case 'string':
          return strings(a, u);
        case 'integer':
          return numbers(a).map(Math.ceil);
        case 'number':
          return numbers(a);
        case 'boolean':
          return [false, true];
        case 'array':
          return [[]];
        default:
          return [{}]; // an object: the JSON objects of this API (metadata) may be empty
      }
    });
  });
}

/** The first candidate the field's own schema accepts. */
function valueFor(field: Schema): unknown {
  const js = jsonSchemaOf(field);
  return [...declared(js), ...candidates(js)].find((c) => field.safeParse(c).success);
}

function shapeOf(schema: Schema | undefined, what: string): Record<string, Schema> {
  if (!(schema instanceof z.ZodObject)) throw new Error(`${what} is not a Zod object schema`);
  return schema.shape as Record<string, Schema>;
}

/** The fields of a resource that reference another registered, writable resource's row: field → that resource. */
export function foreignKeys(d: ResourceDescriptor): Record<string, ResourceDescriptor> {
  const relations = datamodel.models[d.model].relations as Record<string, { model: string; fields: readonly string[] }>;
  const out: Record<string, ResourceDescriptor> = {};
  for (const r of Object.values(relations)) {
    const [field] = r.fields;
    const target = descriptors.find((t) => t.model === r.model);
    if (field && r.fields.length === 1 && field !== d.ownerField && target && !target.readOnly && target.create) out[field] = target;
  }
  return out;
}

function check(schema: Schema | undefined, body: Json, what: string): Json {
  const parsed = schema?.safeParse(body);
  if (!parsed?.success) {
    throw new Error(
      `no valid ${what} could be derived (${JSON.stringify(body)}: ${parsed?.error.message ?? 'no schema'}); ` +
        'declare an example on the field that needs one in the model module: .meta({ examples: [ … ] })',
    );
  }
  return body;
}

/**
 * A create body of the resource: its required fields, and each foreign key in `parents` (the
 * field → the id of an existing row). Foreign keys not given are left out.
 */
export function createBody(d: ResourceDescriptor, parents: Record<string, unknown> = {}): Json {
  const shape = shapeOf(d.create, `${d.name}'s create schema`);
  const required = new Set((jsonSchemaOf(d.create as Schema).required as string[] | undefined) ?? []);
  const body: Json = {};
  for (const [key, field] of Object.entries(shape)) {
    if (key in parents) body[key] = parents[key];
    else if (required.has(key)) body[key] = valueFor(field);
  }
  return check(d.create, body, `${d.name} create body`);
}

/** An update body of the resource: new values of the fields a create requires (else of its first field that takes one). */
export function updateBody(d: ResourceDescriptor): Json {
  const shape = shapeOf(d.update, `${d.name}'s update schema`);
  const required = new Set((jsonSchemaOf(d.create as Schema).required as string[] | undefined) ?? []);
  const keys = Object.keys(shape).filter((k) => required.has(k) && !(k in foreignKeys(d)));
  const body: Json = {};
  for (const key of keys.length ? keys : Object.keys(shape)) {
    const value = valueFor(shape[key] as Schema);
    if (value === undefined) continue;
    body[key] = value;
    if (!keys.length) break;
  }
  return check(d.update, body, `${d.name} update body`);
}

/** A create body of `d` whose foreign keys name rows created first, by the holder of `token`. */
export async function bodyWithParents(app: Express, token: string, d: ResourceDescriptor): Promise<Json> {
  const parents: Json = {};
  for (const [field, target] of Object.entries(foreignKeys(d))) parents[field] = (await createRow(app, token, target)).id;
  return createBody(d, parents);
}

/** POSTs one row of `d` as the holder of `token`, the rows its foreign keys need first (201 expected). */
export async function createRow(app: Express, token: string, d: ResourceDescriptor): Promise<Json & { id: unknown }> {
  const body = await bodyWithParents(app, token, d);
  const res = await request(app).post(`/api/v1/${d.name}`).set(authHeader(token)).send(body);
  if (res.status !== 201) throw new Error(`POST /api/v1/${d.name} ${JSON.stringify(body)}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Json & { id: unknown };
}
