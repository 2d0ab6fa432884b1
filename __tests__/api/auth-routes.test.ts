/**
 * Inventory: every route under /api/v1 declares who may call it with access() as its first
 * handler, for every method it serves. A route added without a declaration fails here.
 */
import type { Express } from 'express';
import { HttpError } from '../../src/core/errors';
import { startTestApp, type TestApp } from '../support/app';

interface StackLayer {
  rawPath?: unknown;
  method?: string;
  handle: ((...args: unknown[]) => unknown) & { stack?: StackLayer[]; access?: string };
  route?: { path: string; stack: StackLayer[] };
}

interface FoundRoute {
  path: string;
  method: string;
  access: string | undefined;
}

const joinPath = (prefix: string, path: unknown): string => `${prefix}${typeof path === 'string' && path !== '/' ? path : ''}`;

/** The 405 fallback (`.all(only(...))`): answers every method with 405, so it needs no access(). */
function isMethodNotAllowed(layer: StackLayer): boolean {
  try {
    layer.handle({ method: 'PROPFIND' }, {}, () => undefined);
  } catch (err) {
    return err instanceof HttpError && err.status === 405;
  }
  return false;
}

function collect(stack: StackLayer[], prefix: string, out: FoundRoute[], fallbacks: string[]): void {
  for (const layer of stack) {
    if (layer.route) {
      const path = joinPath(prefix, layer.route.path);
      const seen = new Set<string>();
      for (const handler of layer.route.stack) {
        if (handler.method === undefined) {
          if (!isMethodNotAllowed(handler)) out.push({ path, method: 'ALL', access: handler.handle.access });
          else fallbacks.push(path);
          continue;
        }
        if (seen.has(handler.method)) continue; // only the first handler of each method
        seen.add(handler.method);
        out.push({ path, method: handler.method.toUpperCase(), access: handler.handle.access });
      }
    } else if (Array.isArray(layer.handle.stack)) {
      collect(layer.handle.stack, joinPath(prefix, layer.rawPath), out, fallbacks);
    }
  }
}

describe('route inventory', () => {
  let t: TestApp;
  let routes: FoundRoute[];
  beforeAll(() => {
    t = startTestApp();
    const app = t.app as Express & { router: { stack: StackLayer[] } };
    routes = [];
    collect(app.router.stack, '', routes, []);
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
