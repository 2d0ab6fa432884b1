/**
 * The document and the app agree on the routes: every route mounted in the Express app is
 * documented, and every documented operation is mounted (`:id` in Express is `{id}` in OpenAPI).
 */
import type { Express } from 'express';
import { buildOpenApiDocument, openApiDocument } from '../../src/api/openapi';
import { mountedRoutes } from '../../src/api/mounted-routes';
import { descriptors } from '../../src/resources/registry';
import type { ResourceDescriptor } from '../../src/resources/descriptor';
import { startTestApp, type TestApp } from '../support/app';

/** `METHOD /path/{param}` for every method handler of every route, through nested routers. */
function mountedOperations(app: Express): string[] {
  return mountedRoutes(app).flatMap(({ path, route }) => {
    const template = path.replace(/:([A-Za-z_]\w*)/g, '{$1}');
    const methods = new Set(route.stack.map((h) => h.method).filter((m): m is string => m !== undefined && m !== '_all'));
    return [...methods].map((m) => `${m.toUpperCase()} ${template}`);
  });
}

function documentedOperations(doc = openApiDocument()): string[] {
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    ['get', 'post', 'put', 'patch', 'delete', 'head', 'options']
      .filter((m) => (item as Record<string, unknown>)[m])
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}

describe('OpenAPI document ↔ mounted routes', () => {
  let t: TestApp;
  let mounted: string[];
  beforeAll(() => {
    t = startTestApp();
    mounted = [...new Set(mountedOperations(t.app))].sort();
  });
  afterAll(() => t.close());

  it('the walk finds the routes of every area (so the comparison cannot pass on an empty list)', () => {
    expect(mounted).toEqual(
      expect.arrayContaining([
        'GET /healthz',
        'GET /openapi.json',
        'GET /docs',
        'POST /api/v1/auth/login',
        'PATCH /api/v1/sessions/{id}',
        'GET /api/v1/event-log',
      ]),
    );
  });

  it('every mounted route is documented, and every documented operation is mounted', () => {
    expect(documentedOperations().sort()).toEqual(mounted);
  });

  it('a newly registered descriptor is documented without further code', () => {
    const sessions = descriptors.find((d) => d.name === 'sessions') as ResourceDescriptor;
    const extra: ResourceDescriptor = { ...sessions, name: 'devices', model: 'Session' };
    const ops = documentedOperations(buildOpenApiDocument([...descriptors, extra]));
    expect(ops).toEqual(
      expect.arrayContaining([
        'GET /api/v1/devices',
        'POST /api/v1/devices',
        'GET /api/v1/devices/{id}',
        'PATCH /api/v1/devices/{id}',
        'DELETE /api/v1/devices/{id}',
      ]),
    );
  });

  it('a descriptor with a parent is documented under its parent too', () => {
    const recordings = descriptors.find((d) => d.name === 'recordings') as ResourceDescriptor;
    const clips: ResourceDescriptor = {
      ...recordings,
      name: 'clips',
      model: 'Recording',
      parent: { resource: 'users', foreignKey: 'userId' },
    };
    const ops = documentedOperations(buildOpenApiDocument([...descriptors, clips]));
    expect(ops).toEqual(expect.arrayContaining(['GET /api/v1/users/{id}/clips', 'POST /api/v1/users/{id}/clips']));
    const readOnly = documentedOperations(buildOpenApiDocument([...descriptors, { ...clips, readOnly: true }]));
    expect(readOnly).toContain('GET /api/v1/users/{id}/clips');
    expect(readOnly).not.toContain('POST /api/v1/users/{id}/clips');
  });

  it('every documented operation has a summary and a unique operationId (the typed client’s names)', () => {
    const doc = openApiDocument();
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths ?? {})) {
      for (const [method, op] of Object.entries(
        item as Record<string, { operationId?: string; summary?: string; responses: Record<string, unknown> }>,
      )) {
        expect({ at: `${method} ${path}`, id: typeof op.operationId, summary: typeof op.summary }).toEqual({
          at: `${method} ${path}`,
          id: 'string',
          summary: 'string',
        });
        expect(ids.has(op.operationId as string)).toBe(false);
        ids.add(op.operationId as string);
      }
    }
  });

  it('no schema pattern carries regex flags (JSON Schema patterns have none; the generator would append them)', () => {
    const patterns = JSON.stringify(openApiDocument()).match(/"pattern":"(?:[^"\\]|\\.)*"/g) ?? [];
    expect(patterns.filter((p) => /[^\\]\/[dgimsuvy]+"$/.test(p))).toEqual([]);
  });
});
