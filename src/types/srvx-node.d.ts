/**
 * The one entry point of srvx used here (src/api/routes/uploads.routes.ts). srvx publishes its
 * adapters only through its `exports` map, which `moduleResolution: node10` does not read.
 */
declare module 'srvx/node' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  /** A web Request over a Node request, as @tus/server's own `handle` builds it (client disconnects abort the upload). */
  export const NodeRequest: new (context: { req: IncomingMessage; res: ServerResponse }) => Request;
}
