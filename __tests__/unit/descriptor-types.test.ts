/**
 * A descriptor is typed by its Prisma model: a field name the model does not have is a compile
 * error. The `@ts-expect-error` lines below are checked by `npm run typecheck` (which covers
 * __tests__): if a wrong name were accepted, the directive itself would be the error.
 */
import { defineResource, type ResourceDescriptor } from '../../src/resources/descriptor';
import { fieldsOf } from '../../src/models/fields';
import { sessionFields } from '../../src/models/session.model';
import { descriptors, type ResourceEntityType } from '../../src/resources/registry';
import type { EntityType } from '../../src/resources/audit';
import { createServices } from '../../src/resources/registry';
import type { Database } from '../../src/db/connection';

const base = { name: 'devices', label: 'device', fields: sessionFields, ownership: 'owned' } as const;

describe('descriptors are typed by their Prisma model', () => {
  it('a descriptor naming only the model’s fields compiles, and finds the model’s delegate', () => {
    const devices = defineResource({
      ...base,
      model: 'Session',
      entityType: 'device',
      ownerField: 'userId',
      hidden: ['notes'],
      publicFields: ['id', 'title'],
      relations: { user: { resource: 'users' } },
      defaultSort: '-startedAt',
    });
    const session = {};
    const db = { session } as unknown as Parameters<ResourceDescriptor['delegate']>[0];
    expect(devices.delegate(db)).toBe(session);
    const literal: 'device' | undefined = devices.entityType;
    expect(literal).toBe('device');
  });

  it('a wrong field name anywhere in a descriptor does not compile', () => {
    // Each line is a descriptor with one wrong name; each must be refused by the compiler.
    const wrong = [
      // @ts-expect-error ownerField: Session has no field usrId
      () => defineResource({ ...base, model: 'Session', ownerField: 'usrId' }),
      // @ts-expect-error hidden: no field secret
      () => defineResource({ ...base, model: 'Session', ownerField: 'userId', hidden: ['secret'] }),
      // @ts-expect-error publicFields: no field nickname
      () => defineResource({ ...base, model: 'Session', ownerField: 'userId', publicFields: ['nickname'] }),
      // @ts-expect-error defaultSort: no field when
      () => defineResource({ ...base, model: 'Session', ownerField: 'userId', defaultSort: '-when' }),
      // @ts-expect-error relations: Session has no relation owner (it is user)
      () => defineResource({ ...base, model: 'Session', ownerField: 'userId', relations: { owner: { resource: 'users' } } }),
      // @ts-expect-error parent: Recording has no field session_id
      () => defineResource({ ...base, model: 'Recording', ownerField: 'userId', parent: { resource: 's', foreignKey: 'session_id' } }),
      // @ts-expect-error a field of another model: ownerId is Algo's, not Session's
      () => defineResource({ ...base, model: 'Session', ownerField: 'ownerId' }),
      // @ts-expect-error model: no such Prisma model
      () => defineResource({ ...base, model: 'Device', ownerField: 'userId' }),
      // @ts-expect-error model: RateLimitCounter has no id field (composite key), so it cannot be a resource
      () => defineResource({ ...base, model: 'RateLimitCounter', ownerField: 'key' }),
      // @ts-expect-error sortable fields of the model metadata: no field rating
      () => fieldsOf('Recording', { sortable: ['rating'] }),
    ];
    expect(wrong).toHaveLength(10);
  });

  it('a delete hook reads only the query parameters its deleteParams declare', () => {
    const seen: Array<string | undefined> = [];
    const devices = defineResource({
      ...base,
      model: 'Session',
      ownerField: 'userId',
      deleteParams: ['cascade'],
      hooks: {
        async beforeDelete(_existing, { query }) {
          seen.push(query.cascade);
          // @ts-expect-error cascde is not a declared delete parameter
          seen.push(query.cascde);
        },
      },
    });
    expect(devices.deleteParams).toEqual(['cascade']);
  });

  it('the event-log entity types are those of the registered descriptors, and the API key’s', () => {
    const registered: ResourceEntityType[] = ['user', 'session', 'recording', 'algo', 'run'];
    const all: EntityType[] = [...registered, 'apikey'];
    // @ts-expect-error no registered resource has the entity type device
    const unknown: EntityType = 'device';
    expect(unknown).toBe('device');
    expect(descriptors.flatMap((d) => ('entityType' in d && d.entityType ? [d.entityType] : [])).sort()).toEqual([...registered].sort());
    expect(all).toContain('apikey');
  });

  it('the registry refuses a relation or parent naming an unregistered resource', () => {
    const db = { prisma: {}, schema: '"public"' } as unknown as Database;
    const sessions = descriptors.find((d) => d.name === 'sessions') as ResourceDescriptor;
    expect(() =>
      createServices(db, [...descriptors, { ...sessions, name: 'devices', relations: { user: { resource: 'people' } } }]),
    ).toThrow(/devices\.user: no resource named people/);
  });
});
