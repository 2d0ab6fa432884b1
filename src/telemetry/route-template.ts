/**
 * The route template of the request an Express app answered (`/api/v1/recordings/:id`): the
 * request metrics' route label and the HTTP server span's `http.route`. It loads nothing but
 * types, so that tracing (src/telemetry/tracing.ts) can use it before express or pg are loaded.
 */
import type { Application } from 'express';
import { mountedRoutes } from '../api/mounted-routes';

/** The route label of a request that no route answered (404s, and answers given before routing). */
export const UNMATCHED_ROUTE = 'unmatched';

const templates = new WeakMap<object, string>();

/**
 * req.route is the Route object, whose own path lacks the mount paths of the routers above it
 * (and req.baseUrl no longer has them once an error has left those routers), so the full
 * template is looked up among the app's mounted routes, walked once.
 */
export function routeTemplate(req: { route?: unknown; app?: unknown }): string {
  const route: unknown = req.route;
  if (!route || typeof route !== 'object' || !req.app) return UNMATCHED_ROUTE;
  let template = templates.get(route);
  if (template === undefined) {
    for (const mounted of mountedRoutes(req.app as Application)) templates.set(mounted.route, mounted.path);
    template = templates.get(route) ?? UNMATCHED_ROUTE;
    templates.set(route, template);
  }
  return template;
}
