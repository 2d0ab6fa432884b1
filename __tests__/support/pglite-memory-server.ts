/**
 * An in-memory PGlite behind pglite-socket on a free loopback port, for a test that needs a
 * PGlite server of its own (PGlite cannot run inside jest's VM). Prints
 * `pglite serving 127.0.0.1:<port>` once it accepts connections; SIGTERM stops it.
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

async function main(): Promise<void> {
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 8 });
  await server.start();
  process.on('SIGTERM', () => {
    void server
      .stop()
      .then(() => db.close())
      .finally(() => process.exit(0));
  });
  process.stdout.write(`pglite serving ${server.getServerConn()}\n`);
}

void main();
