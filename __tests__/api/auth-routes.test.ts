/**
 * Inventory: every route under /api/v1 declares who may call it with access() as its first
 * handler, for every method it serves. A route added without a declaration fails here.
 */
import type { Express } from 'express';
import { HttpError } from '../../src/core/errors';
import { mountedRoutes, type StackLayer } from '../../src/api/mounted-routes';
import { startTestApp, type TestApp } from '../support/app';

interface FoundRoute {
  path: string;
  method: string;
  access: string | undefined;
}

/** The 405 fallback (`.all(only(...))`): answers every method with 405, so it needs no access(). */
function isMethodNotAllowed(layer: StackLayer): boolean {
  try {
    layer.handle({ method: 'PROPFIND' }, {}, () => undefined);
  } catch (err) {
    return err instanceof HttpError && err.status === 405;
  }
  return false;
}

/** Every method each mounted route serves, with the access() its first handler declares. */
function collect(app: Express): FoundRoute[] {
  const out: FoundRoute[] = [];
  for (const { path, route } of mountedRoutes(app)) {
    const seen = new Set<string>();
    for (const handler of route.stack) {
      if (handler.method === undefined) {
        if (!isMethodNotAllowed(handler)) out.push({ path, method: 'ALL', access: handler.handle.access });
        continue;
      }
      if (seen.has(handler.method)) continue; // only the first handler of each method
      seen.add(handler.method);
      out.push({ path, method: handler.method.toUpperCase(), access: handler.handle.access });
    }
  }
  return out;
}

describe('route inventory', () => {
  let t: TestApp;
  let routes: FoundRoute[];
  beforeAll(() => {
    t = startTestApp();
    routes = collect(t.app);
  });
  afterAll(() => t.close());

  it('the walk finds the mounted routes (so the next test cannot pass on an empty list)', () => {
    const names = routes.map((r) => `${r.method} ${r.path}`);
    expect(names).toEqual(
      expect.arrayContaining(['POST /api/v1/auth/login', 'GET /api/v1/auth/me', 'DELETE /api/v1/api-keys/:id', 'GET /healthz']),
    );
  });

  it('every route under /api/v1 declares its access as the first handler of each method', () => {
    const undeclared = routes.filter((r) => r.path.startsWith('/api/v1') && r.access === undefined).map((r) => `${r.method} ${r.path}`);
    expect(undeclared).toEqual([]);
  });

  it('login is public and the key routes need authentication', () => {
    const find = (method: string, path: string) => routes.find((r) => r.method === method && r.path === path)?.access;
    expect(find('POST', '/api/v1/auth/login')).toBe('public');
    expect(find('GET', '/api/v1/api-keys')).toBe('authenticated');
    expect(find('POST', '/api/v1/api-keys')).toBe('authenticated');
  });
});
