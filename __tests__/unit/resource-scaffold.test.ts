/** What `npm run resource:new` plans and writes (src/resources/scaffold/); the whole workflow is processes/resource-new.test.ts. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { readModelsMeta, type FieldMeta, type ModelsMeta } from '../../src/db/migrate/model-changes';
import { algoCreate } from '../../src/models/algo.model';
import { sessionCreate } from '../../src/models/session.model';
import { descriptors } from '../../src/resources/registry';
import { addToRegistry } from '../../src/resources/scaffold/lists';
import { namesOf, planResource } from '../../src/resources/scaffold/plan';
import { modelModule, resourceModule } from '../../src/resources/scaffold/templates';

const ROOT = path.resolve(__dirname, '..', '..');
const resourceOf = (model: string): string | undefined => descriptors.find((d) => d.model === model)?.name;

const field = (over: Partial<FieldMeta> = {}): FieldMeta => ({
  kind: 'scalar',
  type: 'String',
  nativeType: null,
  required: true,
  list: false,
  id: false,
  unique: false,
  hasDefault: false,
  updatedAt: false,
  documentation: null,
  ...over,
});
const uuidId = field({ id: true, nativeType: 'Uuid', hasDefault: true });
const toUser = (fk: string) => ({ model: 'User', list: false, required: true, fields: [fk] });

function meta(fields: Record<string, FieldMeta>, relations: ModelsMeta['models'][string]['relations'] = {}): ModelsMeta {
  return { models: { SensorKit: { documentation: null, fields, relations } }, enums: { KitStatus: ['NEW', 'USED'] } };
}

describe('resource:new names', () => {
  it('when a model name has several words, then files are kebab-case, identifiers camelCase and the resource plural', () => {
    expect(namesOf('SensorKit')).toEqual({
      model: 'SensorKit',
      modelFile: 'sensor-kit.model',
      resourceFile: 'sensor-kits.resource',
      resource: 'sensor-kits',
      camel: 'sensorKit',
      constant: 'sensorKits',
      pascal: 'SensorKit',
      label: 'sensor kit',
      entityType: 'sensorkit',
    });
    expect(namesOf('Battery')).toMatchObject({ resource: 'batteries', constant: 'batteries', modelFile: 'battery.model' });
  });
});

describe('resource:new plan', () => {
  it('when fields have defaults, nulls, enums, big numbers, JSON and bytes, then each gets its input schema or is left out', () => {
    const plan = planResource(
      meta(
        {
          id: uuidId,
          ownerId: field({ nativeType: 'Uuid' }),
          sessionId: field({ nativeType: 'Uuid', required: false }),
          label: field(),
          status: field({ kind: 'enum', type: 'KitStatus', hasDefault: true }),
          channels: field({ type: 'Int', required: false }),
          sizeBytes: field({ type: 'BigInt' }),
          settings: field({ type: 'Json', hasDefault: true }),
          tags: field({ list: true, hasDefault: true }),
          firmware: field({ type: 'Bytes', required: false }),
          createdAt: field({ type: 'DateTime', hasDefault: true }),
          updatedAt: field({ type: 'DateTime', updatedAt: true }),
        },
        { owner: toUser('ownerId'), session: { model: 'Session', list: false, required: false, fields: ['sessionId'] } },
      ),
      'SensorKit',
      resourceOf,
    );
    expect(plan.input.map((f) => `${f.name}: ${f.zod}`)).toEqual([
      'sessionId: z.uuid().nullish()',
      'label: text(255)',
      'status: z.enum(KitStatus).optional()',
      'channels: z.number().int().min(-2_147_483_648).max(2_147_483_647).nullish()',
      'sizeBytes: bigintInput',
      'settings: jsonObject.optional()',
      'tags: z.array(text(255)).max(1000).optional()',
    ]);
    expect(plan.sortable).toEqual(['sessionId', 'label', 'status', 'channels', 'sizeBytes']);
    expect(plan).toMatchObject({ ownership: 'sharedRead', ownerField: 'ownerId', adminOnlyWrites: false });
    expect(plan.relations).toEqual({ owner: 'users', session: 'sessions' });
    expect(plan.decisions.join('\n')).toMatch(/firmware \(Bytes\) cannot be sent as JSON/);
    expect(plan.decisions.join('\n')).toMatch(
      /sessionId references Session: decide whether the referenced row must belong to the same owner/,
    );

    const model = modelModule(plan);
    expect(model).toContain("import { KitStatus } from '../generated/prisma/client';");
    expect(model).toContain("import { bigintInput, jsonObject, text, type FieldMap, fieldsOf } from './fields';");
    expect(resourceModule(plan)).toContain("relations: { owner: { resource: 'users' }, session: { resource: 'sessions' } },");
  });

  it('when the model has a userId relation to User, then its rows are owned by userId and userId is not an input', () => {
    const plan = planResource(
      meta({ id: uuidId, userId: field({ nativeType: 'Uuid' }), name: field() }, { user: toUser('userId') }),
      'SensorKit',
      resourceOf,
    );
    expect(plan).toMatchObject({ ownership: 'owned', ownerField: 'userId', adminOnlyWrites: false });
    expect(plan.input.map((f) => f.name)).toEqual(['name']);
    expect(resourceModule(plan)).toMatch(/ownership: 'owned',\n {2}ownerField: 'userId',\n/);
  });

  it('when no relation to User names an owner, then everyone reads, only admins write, and the developer is told', () => {
    const plan = planResource(meta({ id: uuidId, name: field() }), 'SensorKit', resourceOf);
    expect(plan).toMatchObject({ ownership: 'sharedRead', ownerField: 'id', adminOnlyWrites: true });
    expect(plan.decisions[0]).toMatch(/no relation to User names an owner/);
    expect(resourceModule(plan)).toMatch(/ownerField: 'id',\n {2}adminOnlyCreate: true,\n {2}adminOnlyDelete: true,/);
  });

  it('when the client chooses the id, then create requires it and update cannot change it', () => {
    const plan = planResource(meta({ id: field({ id: true, nativeType: 'Uuid' }), name: field() }), 'SensorKit', resourceOf);
    expect(plan.input.map((f) => `${f.name}: ${f.zod}`)).toEqual(['id: z.uuid()', 'name: text(255)']);
    expect(modelModule(plan)).toContain('export const sensorKitUpdate = sensorKitCreate.omit({ id: true }).partial().strict();');
  });

  it('when the model has a long documentation comment, then the model module wraps it', () => {
    const plan = planResource(meta({ id: uuidId }), 'SensorKit', resourceOf);
    const long = 'A kit of sensors. '.repeat(12).trim();
    const lines = modelModule({ ...plan, documentation: long }).split('\n');
    const comment = lines.slice(lines.indexOf('/**'), lines.indexOf(' */') + 1);
    expect(comment.length).toBeGreaterThan(3);
    expect(Math.max(...comment.map((l) => l.length))).toBeLessThanOrEqual(100);
    expect(
      comment
        .slice(1, -1)
        .map((l) => l.slice(3))
        .join(' '),
    ).toBe(long);
  });

  it('when the primary key is an integer or text, then a generated one is no input and a chosen one is', () => {
    const serial = planResource(meta({ id: field({ id: true, type: 'Int', hasDefault: true }), name: field() }), 'SensorKit', resourceOf);
    expect(serial.input.map((f) => f.name)).toEqual(['name']);
    const chosen = planResource(meta({ id: field({ id: true }), name: field() }), 'SensorKit', resourceOf);
    expect(chosen.input.map((f) => `${f.name}: ${f.zod}`)).toEqual(['id: text(255)', 'name: text(255)']);
  });

  it('when there is no primary key named id, or no such model, then there is no plan, and the reason', () => {
    expect(() => planResource(meta({ id: field(), code: field({ id: true }) }), 'SensorKit', resourceOf)).toThrow(
      /needs a single-column primary key named id/,
    );
    expect(() => planResource(meta({ id: uuidId }), 'Nothing', resourceOf)).toThrow(/no model Nothing/);
  });

  // The hand-written schemas of existing tables are the reference for which fields a client writes.
  it.each([
    ['Session', sessionCreate],
    ['Algo', algoCreate],
  ] as const)(
    'when planned for %s, then the input fields and their optionality are those of its hand-written create schema',
    (model, schema) => {
      const plan = planResource(readModelsMeta(path.join(ROOT, 'src', 'models', 'generated', 'schema.ts')), model, resourceOf);
      const shape = (schema as z.ZodObject).shape;
      expect(plan.input.map((f) => f.name).sort()).toEqual(Object.keys(shape).sort());
      for (const f of plan.input)
        expect({ [f.name]: /\.(nullish|optional)\(\)$/.test(f.zod) }).toEqual({ [f.name]: shape[f.name]?.safeParse(undefined).success });
    },
  );
});

describe('resource:new list edits', () => {
  const names = namesOf('SensorKit');
  const registry = readFileSync(path.join(ROOT, 'src', 'resources', 'registry.ts'), 'utf8');

  it('when the registry lists its descriptors, then the new one is imported after the others and appended', () => {
    const edited = addToRegistry(registry, names);
    expect(edited).toMatch(/from '\.\/[\w-]+\.resource';\nimport \{ sensorKits \} from '\.\/sensor-kits\.resource';\n/);
    expect(edited).toMatch(/export const descriptors\b[^=]*= \[[^\]]*, sensorKits\]/);
    expect(edited.replace("import { sensorKits } from './sensor-kits.resource';\n", '').replace(', sensorKits]', ']')).toBe(registry);
  });

  it('when the registry has changed shape, then the edit fails and says what to add by hand', () => {
    expect(() => addToRegistry('export const descriptors = build();\n', names)).toThrow(
      /add `import \{ sensorKits \} .*` and sensorKits to `descriptors` by hand/,
    );
  });
});
