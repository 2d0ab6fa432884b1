/**
 * CPU per write of the generic resource service, one call at a time on one connection: a
 * recording's create (its session checked, its event logged), the same with an Idempotency-Key
 * (claim, then the write and its stored response) and a session's PATCH with If-Match, each as the transaction path (oneStatementWrites: false) and as one statement
 * (src/resources/direct-writes.ts). The numbers are CPU time of this process only.
 *
 *   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_writes npx tsx scripts/bench/write-calls.ts [--calls 1000] [--rounds 5]
 *
 * The database is dropped, created, migrated and seeded with a small data set (its name must contain "bench").
 */
import { connectDatabase } from '../../src/db/connection';
import { createServices, lookupService } from '../../src/resources/registry';
import { etagOf } from '../../src/resources/output';
import type { Principal } from '../../src/auth/principal';
import { TRANSACTION } from '../../src/api/routes/resource.routes';
import { idempotent, type StoredResponse } from '../../src/api/idempotency';
import { keepCreatedResponse } from '../../src/api/idempotency-claim';
import type { Row } from '../../src/resources/descriptor';
import { migrate, recreateDatabase, seed } from './seed';
import { cpuPerCallFromArgs } from './cpu-per-call';

const { calls, rounds, cpuPerCall } = cpuPerCallFromArgs(1000);

async function main(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/bench_writes';
  await recreateDatabase(url);
  await migrate(url);
  const seeded = await seed({ url, users: 2, sessionsPerUser: 2, recordings: 10 });
  const db = connectDatabase({ url, poolSize: 1, connectTimeoutMs: 10_000, statementTimeoutMs: 60_000 });
  const { prisma } = db;
  const user = await prisma.user.findUniqueOrThrow({ where: { id: seeded.userId } });
  const p: Principal = { userId: user.id, email: user.email, role: user.role, tokenId: user.id, tokenKind: 'API', scope: 'FULL' };
  const old = createServices(db, undefined, { oneStatementWrites: false });
  const fast = createServices(db);
  const recording = { name: 'calls', modality: 'EEG', format: 'application/x-edf', sessionId: seeded.sessionId, metadata: { a: 1 } };

  const oldRecordings = lookupService(old, 'recordings');
  const fastRecordings = lookupService(fast, 'recordings');
  const oldSessions = lookupService(old, 'sessions');
  const fastSessions = lookupService(fast, 'sessions');
  const session = await oldSessions.get(p, seeded.sessionId);
  let etag = etagOf(oldSessions.output(session, p));
  const direct = fastSessions.direct;
  if (!direct || !fastRecordings.direct?.creates) throw new Error('no one-statement writes for sessions and recordings');

  let key = 0;
  const created = (row: Row): StoredResponse => ({ status: 201, body: fastRecordings.output(row, p), headers: {} });
  const keyed = (write: Parameters<typeof idempotent>[2]) =>
    idempotent(db, { key: `k${++key}`, userId: p.userId, method: 'POST', path: '/api/v1/recordings', body: recording }, write, TRANSACTION);

  const results = {
    createRecordingWithAudit: {
      transaction: await cpuPerCall(() => prisma.$transaction((tx) => oldRecordings.create(tx, p, recording), TRANSACTION)),
      oneStatement: await cpuPerCall(() => fastRecordings.createDirect(prisma, p, recording)),
    },
    createRecordingWithIdempotencyKey: {
      transaction: await cpuPerCall(() => keyed(async (tx) => created(await oldRecordings.create(tx, p, recording)))),
      oneStatement: await cpuPerCall(() =>
        keyed({
          run: async (client, claim) =>
            created(await fastRecordings.createDirect(client, p, recording, claim && keepCreatedResponse(db, claim, '/r/'))),
          replayHeaders: () => ({}),
        }),
      ),
    },
    patchSessionWithIfMatch: {
      transaction: await cpuPerCall(async (i) => {
        const row = await prisma.$transaction((tx) => oldSessions.update(tx, p, seeded.sessionId, { title: `t${i}` }, etag), TRANSACTION);
        etag = etagOf(oldSessions.output(row, p));
      }),
      oneStatement: await cpuPerCall(async (i) => {
        const row = await direct.update(prisma, p, seeded.sessionId, { title: `f${i}` }, etag);
        etag = etagOf(fastSessions.output(row, p));
      }),
    },
  };
  await db.close();
  process.stdout.write(`${JSON.stringify({ calls, rounds, cpuMsPerCall: results }, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
