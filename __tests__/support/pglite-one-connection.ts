/**
 * Run as a child process by tests of refused connections: an in-memory PGlite behind
 * pglite-socket (as the embedded server uses it) that accepts one connection at a time.
 * Prints `port <n>` once it listens; SIGTERM stops it.
 */
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

async function main(): Promise<void> {
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1', maxConnections: 1 });
  await server.start();
  process.stdout.write(`port ${server.getServerConn().split(':').pop() ?? ''}\n`);
  process.once('SIGTERM', () => {
    void server
      .stop()
      .then(() => db.close())
      .finally(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
