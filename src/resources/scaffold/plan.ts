/**
 * What `npm run resource:new -- <Model>` (scripts/resource-new.ts) writes for a Prisma model,
 * decided from the generated model metadata (src/models/generated/schema.ts): names, the fields
 * a client may write and how each is validated, the sortable fields, relations to embed, and who
 * owns a row. The module texts are in templates.ts; the edits of hand-written lists in lists.ts.
 */
import pluralize from 'pluralize';
import type { FieldMeta, ModelMeta, ModelsMeta } from '../../db/migrate/model-changes';
import type { Ownership } from '../descriptor';

export interface Names {
  model: string;
  /** src/models/<modelFile>.ts, e.g. device-model.model */
  modelFile: string;
  /** src/resources/<resourceFile>.ts, e.g. device-models.resource */
  resourceFile: string;
  /** URL segment and descriptor name, e.g. device-models */
  resource: string;
  /** Identifier prefix of the model module's exports, e.g. deviceModel (deviceModelCreate …) */
  camel: string;
  /** The descriptor's constant, e.g. deviceModels */
  constant: string;
  /** Type prefix, e.g. DeviceModel (DeviceModelCreate …) */
  pascal: string;
  /** For messages, e.g. "device model" */
  label: string;
  /** The event log's entityType, e.g. devicemodel (as 'apikey' for ApiKey) */
  entityType: string;
}

export function namesOf(model: string): Names {
  const words = model.split(/(?<=[a-z0-9])(?=[A-Z])/).map((w) => w.toLowerCase());
  const plural = [...words.slice(0, -1), pluralize(words.at(-1) as string)];
  const camel = (ws: string[]): string => ws.map((w, i) => (i ? w[0]?.toUpperCase() + w.slice(1) : w)).join('');
  return {
    model,
    modelFile: `${words.join('-')}.model`,
    resourceFile: `${plural.join('-')}.resource`,
    resource: plural.join('-'),
    camel: camel(words),
    constant: camel(plural),
    pascal: model,
    label: words.join(' '),
    entityType: words.join(''),
  };
}

/** One writable field of the create schema: its Zod expression and the imports it needs. */
export interface InputField {
  name: string;
  zod: string;
  /** Helpers from src/models/fields.ts */
  helpers: string[];
  /** Enums from the Prisma client */
  enums: string[];
}

export interface Plan {
  names: Names;
  documentation: string | null;
  input: InputField[];
  sortable: string[];
  relations: Record<string, string>;
  ownership: Ownership;
  ownerField: string;
  /** No column names a user: only admins write. */
  adminOnlyWrites: boolean;
  /** What the developer must decide, one line each. */
  decisions: string[];
}

/** The field kinds fieldsOf() (src/models/fields.ts) filters and sorts on. */
const LISTABLE = new Set(['String', 'DateTime', 'Int', 'Float', 'BigInt', 'Boolean']);
const isListable = (f: FieldMeta): boolean => !f.list && (f.kind === 'enum' || (f.kind === 'scalar' && LISTABLE.has(f.type)));

/** The base Zod expression of one field's value, or undefined when the JSON API cannot take it. */
function valueSchema(f: FieldMeta): Omit<InputField, 'name'> | undefined {
  if (f.kind === 'enum') return { zod: `z.enum(${f.type})`, helpers: [], enums: [f.type] };
  const plain = (zod: string, helpers: string[] = []): Omit<InputField, 'name'> => ({ zod, helpers, enums: [] });
  switch (f.type) {
    case 'String':
      return f.nativeType === 'Uuid' ? plain('z.uuid()') : plain('text(255)', ['text']);
    case 'Int':
      return plain('z.number().int().min(-2_147_483_648).max(2_147_483_647)');
    case 'Float':
      return plain('z.number()');
    case 'Decimal':
      return plain("z.string().regex(/^-?\\d+(\\.\\d+)?$/, 'must be a decimal number as a string')");
    case 'BigInt':
      return plain('bigintInput', ['bigintInput']);
    case 'Boolean':
      return plain('z.boolean()');
    case 'DateTime':
      return plain('isoDateTime', ['isoDateTime']);
    case 'Json':
      return plain('jsonObject', ['jsonObject']);
    default:
      return undefined; // Bytes, Unsupported
  }
}

/** Set by the database or by the service: never in a request body. */
function serverSet(name: string, f: FieldMeta, ownerField: string): boolean {
  // An owner field of 'id' says "no owner column" (or the user row itself): the id is no owner's.
  return (f.id && f.hasDefault) || f.updatedAt || (name === 'createdAt' && f.hasDefault) || (name === ownerField && name !== 'id');
}

function inputFields(model: ModelMeta, ownerField: string, decisions: string[]): InputField[] {
  const out: InputField[] = [];
  for (const [name, f] of Object.entries(model.fields)) {
    if (serverSet(name, f, ownerField)) continue;
    const value = valueSchema(f);
    if (!value) {
      decisions.push(`${name} (${f.type}) cannot be sent as JSON: it is left out of the create and update schemas`);
      continue;
    }
    const zod = f.list ? `z.array(${value.zod}).max(1000)` : value.zod;
    const optional = !f.required ? '.nullish()' : f.hasDefault ? '.optional()' : '';
    out.push({ name, ...value, zod: zod + optional });
  }
  return out;
}

/** Who owns a row: a `userId` relation to User, else another relation to User, else nobody. */
function ownershipOf(model: ModelMeta): Pick<Plan, 'ownership' | 'ownerField' | 'adminOnlyWrites'> {
  const toUser = Object.values(model.relations)
    .filter((r) => r.model === 'User' && !r.list && r.fields.length === 1)
    .map((r) => r.fields[0] as string);
  if (toUser.includes('userId')) return { ownership: 'owned', ownerField: 'userId', adminOnlyWrites: false };
  if (toUser[0]) return { ownership: 'sharedRead', ownerField: toUser[0], adminOnlyWrites: false };
  return { ownership: 'sharedRead', ownerField: 'id', adminOnlyWrites: true };
}

function ownershipDecision(label: string, p: Pick<Plan, 'ownership' | 'ownerField' | 'adminOnlyWrites'>): string {
  if (p.ownership === 'owned') {
    return `ownership 'owned' by userId: members see and change only their own ${label} rows, admins all. For rows every signed-in user may read, change it to 'sharedRead'`;
  }
  if (!p.adminOnlyWrites) {
    return `ownership 'sharedRead' with owner ${p.ownerField}: every signed-in user reads all rows, only the owner (or an admin) changes one. For private rows, change it to 'owned'`;
  }
  return "no relation to User names an owner: every signed-in user reads all rows and only admins write (ownership 'sharedRead', ownerField 'id', adminOnlyCreate/adminOnlyDelete). For rows that belong to users, add a userId relation to User, migrate and run resource:new again";
}

/** The plan for `model`, or the reason the generic machinery cannot serve it. */
export function planResource(meta: ModelsMeta, model: string, resourceOfModel: (model: string) => string | undefined): Plan {
  const m = meta.models[model];
  if (!m) throw new Error(`no model ${model} in the generated model metadata`);
  if (!m.fields.id?.id) {
    throw new Error(`${model} needs a single-column primary key named id (UUID, integer or text): the generic machinery finds rows by it`);
  }
  const names = namesOf(model);
  const owner = ownershipOf(m);
  const decisions = [ownershipDecision(names.label, owner)];
  const input = inputFields(m, owner.ownerField, decisions);
  const sortable = Object.entries(m.fields)
    .filter(([name, f]) => isListable(f) && !['id', 'createdAt', 'updatedAt', owner.ownerField].includes(name))
    .map(([name]) => name);
  const relations: Record<string, string> = {};
  for (const [name, r] of Object.entries(m.relations)) {
    if (r.list || !r.fields.length) continue;
    const resource = resourceOfModel(r.model);
    if (resource) relations[name] = resource;
    else decisions.push(`${name} (${r.model}) is not embeddable: ${r.model} has no resource of its own`);
    if (r.model !== 'User') {
      decisions.push(
        `${r.fields.join(', ')} references ${r.model}: decide whether the referenced row must belong to the same owner (a beforeCreate/beforeUpdate hook; see src/resources/recordings.resource.ts)`,
      );
      if (resource && r.fields.length === 1) {
        decisions.push(
          `to serve it also as /${resource}/{id}/${names.resource}, add parent: { resource: '${resource}', foreignKey: '${r.fields[0]}' }`,
        );
      }
    }
  }
  decisions.push(
    `sortable: ${sortable.join(', ') || '(none)'} besides createdAt and updatedAt; keep only those an index serves (@@index([<field>, id]) in prisma/schema.prisma)`,
  );
  if (input.some((f) => f.zod.startsWith('text('))) {
    decisions.push('text fields accept 1 to 255 characters (trimmed): adjust text(…) in the model module where that is wrong');
  }
  decisions.push(`rules of the table (checks across fields, other rows): hooks in src/resources/${names.resourceFile}.ts`);
  return { names, documentation: m.documentation, input, sortable, relations, ...owner, decisions };
}
