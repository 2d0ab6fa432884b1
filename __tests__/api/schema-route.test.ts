import request from 'supertest';
import { datamodel } from '../../src/models/generated/schema';
import { descriptors } from '../../src/resources/registry';
import { startTestApp, truncateAll, type TestApp } from '../support/app';
import { authHeader, createUser } from '../support/factories';

describe('descriptors and the generated model metadata', () => {
  it('every descriptor field exists in its model with the same nullability, and enums carry their values', () => {
    for (const d of descriptors) {
      const model = datamodel.models[d.model as keyof typeof datamodel.models];
      for (const [name, spec] of Object.entries(d.fields)) {
        const field = (model.fields as Record<string, { required: boolean; type: string }>)[name];
        expect({ resource: d.name, name, present: Boolean(field) }).toEqual({ resource: d.name, name, present: true });
        expect(Boolean(spec.nullable)).toBe(!field?.required);
        if (spec.kind === 'enum')
          expect(spec.values).toEqual((datamodel.enums as Record<string, readonly string[]>)[field?.type as string]);
      }
      expect(d.fields.passwordHash).toBeUndefined();
    }
  });
});

describe('GET /api/v1/_schema', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = startTestApp();
    await truncateAll(t.db);
  });
  afterAll(() => t.close());

  it('an admin gets every served resource with fields, operators, relations and indexes; secrets are left out', async () => {
    const admin = await createUser(t.db, { role: 'ADMIN' });
    const res = await request(t.app).get('/api/v1/_schema').set(authHeader(admin.token));
    expect(res.status).toBe(200);
    expect(res.body.resources.map((r: { name: string }) => r.name)).toEqual(descriptors.map((d) => d.name));
    const recordings = res.body.resources.find((r: { name: string }) => r.name === 'recordings');
    expect(recordings.fields.sizeBytes).toMatchObject({ type: 'BigInt', required: false, sortable: true });
    expect(recordings.fields.status.filterOperators).toEqual(['eq', 'ne', 'in', 'nin']);
    expect(recordings.relations.session).toMatchObject({ model: 'Session', embeddable: true });
    expect(recordings.indexes).toContainEqual(expect.objectContaining({ fields: ['userId', 'createdAt', 'id'] }));
    const users = res.body.resources.find((r: { name: string }) => r.name === 'users');
    expect(users.fields.passwordHash).toBeUndefined();
  });

  it('a member gets 403', async () => {
    const member = await createUser(t.db);
    expect((await request(t.app).get('/api/v1/_schema').set(authHeader(member.token))).status).toBe(403);
  });
});
