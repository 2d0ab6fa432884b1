/**
 * The routes mounted in an Express app, through nested routers, each with its full path
 * template (`/api/v1/recordings/:id`). Used by the request metrics (the route label) and by the
 * tests that hold the routes against the OpenAPI document and the access declarations.
 */
import type { Application } from 'express';

/** A layer of an Express 5 router stack (the `router` package), as far as it is read here. */
export interface StackLayer {
  rawPath?: unknown;
  /** On a route's handler layers: the method it serves; undefined for `.all()`. */
  method?: string;
  handle: ((...args: unknown[]) => unknown) & { stack?: StackLayer[]; access?: string };
  route?: MountedRoute['route'];
}

export interface MountedRoute {
  /** The full template, mount paths included. */
  path: string;
  /** Express's Route object (what `req.route` is while it answers). */
  route: { path: string; stack: StackLayer[] };
}

const joinPath = (prefix: string, path: unknown): string => `${prefix}${typeof path === 'string' && path !== '/' ? path : ''}`;

function walk(stack: StackLayer[], prefix: string, out: MountedRoute[]): MountedRoute[] {
  for (const layer of stack) {
    if (layer.route) out.push({ path: joinPath(prefix, layer.route.path) || '/', route: layer.route });
    else if (Array.isArray(layer.handle.stack)) walk(layer.handle.stack, joinPath(prefix, layer.rawPath), out);
  }
  return out;
}

export function mountedRoutes(app: Application): MountedRoute[] {
  return walk((app as Application & { router: { stack: StackLayer[] } }).router.stack, '', []);
}
