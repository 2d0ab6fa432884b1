/**
 * SIGTERM while writes are in flight and their clients have gone away (a load balancer closing
 * connections, a client timing out). The sockets are gone, so the HTTP server closes at once, but
 * the handlers are still inside their transactions: the database handle must let them finish
 * before it closes, and the process must exit within the grace period — not hang on connections
 * left idle in a transaction — with every recording written together with its event.
 */
import http from 'node:http';
import { testDatabaseUrl } from '../support/app';
import { startService, type Started } from '../support/process';
import { connectDatabase, type Database } from '../../src/db/connection';
import { createUser } from '../support/factories';
import { fromText } from '../support/contract';
import { expectConforms } from '../support/contract-hook';

const GRACE_MS = 8_000;

describe('shutdown with writes in flight', () => {
  let service: Started;
  let db: Database;
  beforeAll(async () => {
    db = connectDatabase({ url: testDatabaseUrl(), poolSize: 2, connectTimeoutMs: 5_000, statementTimeoutMs: 10_000 });
    service = await startService(
      process.execPath,
      ['--require', require.resolve('tsx/cjs'), 'src/main.ts'],
      { DATABASE_URL: testDatabaseUrl(), PORT: '0', HOST: '127.0.0.1', SHUTDOWN_GRACE_MS: String(GRACE_MS) },
      30_000,
    );
  });
  afterAll(async () => {
    if (service.child.exitCode === null) service.child.kill('SIGKILL');
    await db.close();
  });

  it('when clients abandon creates and SIGTERM follows, then the process exits 0 in time and no write is half done', async () => {
    const { token, user } = await createUser(db);
    const session = await db.prisma.session.create({ data: { userId: user.id, title: 'shutdown', startedAt: new Date() } });
    const body = JSON.stringify({ sessionId: session.id, name: 'in flight', modality: 'EEG', format: 'application/x-edf' });

    const inFlight = new Set<http.ClientRequest>();
    const answered: Array<ReturnType<typeof fromText>> = [];
    let stop = false;
    const fire = (): void => {
      if (stop) return;
      const req = http.request(
        {
          host: '127.0.0.1',
          port: service.port,
          method: 'POST',
          path: '/api/v1/recordings',
          agent: false,
          headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => {
            inFlight.delete(req);
            answered.push(fromText('POST', '/api/v1/recordings', res.statusCode ?? 0, res.headers, text));
            fire();
          });
        },
      );
      req.on('error', () => inFlight.delete(req));
      inFlight.add(req);
      req.end(body);
    };
    // 40 clients keep creating (four per pool connection), so transactions are open at any moment.
    for (let i = 0; i < 40; i++) fire();
    // Until the writes are well under way (on a busy machine the first answers can take seconds).
    for (let waited = 0; answered.length < 40 && waited < 20_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop = true;
    for (const req of inFlight) req.destroy();
    const signalled = Date.now();
    service.child.kill('SIGTERM');

    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([
      service.exited,
      new Promise((resolve) => (timer = setTimeout(resolve, GRACE_MS + 4_000, 'still running'))),
    ]);
    clearTimeout(timer);
    expect({ code, output: code === 0 ? '' : service.output() }).toEqual({ code: 0, output: '' });
    expect(Date.now() - signalled).toBeLessThan(GRACE_MS);
    // Raw node:http clients: the contract hook does not see them, so the answers are checked here.
    expect(answered.length).toBeGreaterThan(0);
    for (const exchange of answered) expectConforms(exchange);

    const { rows } = await db.pool.query<{ recordings: string; events: string; orphans: string }>(
      `SELECT (SELECT count(*) FROM ${db.schema}."Recording" WHERE "sessionId" = $1) AS recordings,
              (SELECT count(*) FROM ${db.schema}."EventLog" e JOIN ${db.schema}."Recording" r ON r.id::text = e."entityId"
                WHERE r."sessionId" = $1 AND e.action = 'recording.created') AS events,
              (SELECT count(*) FROM ${db.schema}."EventLog" e WHERE e.action = 'recording.created' AND e."actorId" = $2
                AND NOT EXISTS (SELECT 1 FROM ${db.schema}."Recording" r WHERE r.id::text = e."entityId")) AS orphans`,
      [session.id, user.id],
    );
    const counts = rows[0] as { recordings: string; events: string; orphans: string };
    expect(Number(counts.recordings)).toBeGreaterThan(0);
    expect(counts.events).toBe(counts.recordings);
    expect(counts.orphans).toBe('0');
  }, 60_000);
});
