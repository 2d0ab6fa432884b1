/**
 * CPU per call of the installed Prisma Client against raw `pg`, one call at a time on one
 * connection: a findUnique by id, a findMany of 51 rows (a list page and its look-ahead row) and
 * an interactive transaction (session check, create, audit create); the reads also through
 * Prisma's raw queries ($queryRawUnsafe, $queryRaw) on the same client; and GET by id, list-50
 * and the filtered list through the resource service on its SQL and its Prisma read path. This is how the Prisma
 * versions were compared (docs/scaling.md); the numbers are CPU time of this process only.
 *
 *   BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_calls npx tsx scripts/bench/prisma-calls.ts [--calls 2000] [--rounds 5]
 *
 * The database is dropped, created, migrated and seeded with a small data set (its name must
 * contain "bench").
 */
import { readFileSync } from 'node:fs';
import { connectDatabase } from '../../src/db/connection';
import { Prisma } from '../../src/generated/prisma/client';
import { benchNames } from './names';
import { migrate, recreateDatabase, seed } from './seed';
import { cpuPerCallFromArgs } from './cpu-per-call';
import type { Principal } from '../../src/auth/principal';
import { parseListQuery } from '../../src/resources/listing';
import { recordings } from '../../src/resources/recordings.resource';
import { createServices, descriptors, lookupService } from '../../src/resources/registry';
import type { ResourceService } from '../../src/resources/service';

const { calls, rounds, cpuPerCall } = cpuPerCallFromArgs(2000);

async function main(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/bench_calls';
  await recreateDatabase(url);
  await migrate(url);
  const seeded = await seed({ url, users: 20, sessionsPerUser: 5, recordings: 5_000 });
  const db = connectDatabase({ url, poolSize: 1, connectTimeoutMs: 10_000, statementTimeoutMs: 60_000 });
  const { prisma, pool } = db;
  const ids = seeded.recordingIds;
  const id = (i: number): string => ids[i % ids.length] as string;
  const names = benchNames(url);
  const [S, R, E] = [names.table('Session'), names.table('Recording'), names.table('EventLog')];
  const [s, r, e] = [S.c, R.c, E.c];
  const row = { name: 'calls', modality: 'EEG' as const, format: 'application/x-edf', sessionId: seeded.sessionId, userId: seeded.userId };

  const results = {
    findUnique: {
      prisma: await cpuPerCall((i) => prisma.recording.findUnique({ where: { id: id(i) } })),
      queryRawUnsafe: await cpuPerCall((i) => prisma.$queryRawUnsafe(`SELECT * FROM ${R.table} WHERE ${r.id} = $1::uuid`, id(i))),
      queryRaw: await cpuPerCall((i) => prisma.$queryRaw`SELECT * FROM ${Prisma.raw(R.table)} WHERE ${Prisma.raw(r.id)} = ${id(i)}::uuid`),
      pg: await cpuPerCall((i) => pool.query(`SELECT * FROM ${R.table} WHERE ${r.id} = $1`, [id(i)])),
    },
    findMany51: {
      prisma: await cpuPerCall(() =>
        prisma.recording.findMany({ where: { userId: seeded.userId }, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: 51 }),
      ),
      queryRawUnsafe: await cpuPerCall(() =>
        prisma.$queryRawUnsafe(
          `SELECT * FROM ${R.table} WHERE ${r.userId} = $1::uuid ORDER BY ${r.createdAt} DESC, ${r.id} DESC LIMIT 51`,
          seeded.userId,
        ),
      ),
      pg: await cpuPerCall(() =>
        pool.query(`SELECT * FROM ${R.table} WHERE ${r.userId} = $1 ORDER BY ${r.createdAt} DESC, ${r.id} DESC LIMIT 51`, [seeded.userId]),
      ),
    },
    transaction: {
      prisma: await cpuPerCall(() =>
        prisma.$transaction(async (tx) => {
          await tx.session.findFirstOrThrow({ where: { id: seeded.sessionId, userId: seeded.userId }, select: { id: true } });
          const created = await tx.recording.create({ data: row });
          await tx.eventLog.create({
            data: {
              actorId: seeded.userId,
              action: 'recording.created',
              entityType: 'recording',
              entityId: created.id,
              changes: { after: created.name },
            },
          });
        }),
      ),
      // The floor: one statement (a CTE) doing the check, the insert and the audit insert.
      pg: await cpuPerCall(() =>
        pool.query(
          `WITH s AS (SELECT ${s.id} AS id FROM ${S.table} WHERE ${s.id} = $1 AND ${s.userId} = $2),
                r AS (INSERT INTO ${R.table} (${r.id}, ${r.userId}, ${r.sessionId}, ${r.name}, ${r.modality}, ${r.format}, ${r.updatedAt})
                      SELECT gen_random_uuid(), $2, s.id, $3, 'EEG', $4, now() FROM s RETURNING ${r.id} AS id, ${r.name} AS name)
           INSERT INTO ${E.table} (${e.actorId}, ${e.action}, ${e.entityType}, ${e.entityId}, ${e.changes})
           SELECT $2, 'recording.created', 'recording', r.id::text, jsonb_build_object('after', r.name) FROM r RETURNING ${e.id}`,
          [seeded.sessionId, seeded.userId, row.name, row.format],
        ),
      ),
    },
  };
  // The same reads through the resource service, as the API runs them (query, ownership, output,
  // serialization, paging): the SQL read path (src/resources/sql-read.ts) against the Prisma one.
  const member: Principal = { userId: seeded.userId, email: '', role: 'MEMBER', tokenId: '', tokenKind: 'API', scope: 'FULL' };
  const paths = { sql: createServices(db), prisma: createServices(db, descriptors, { reads: 'prisma' }) };
  const service = (path: keyof typeof paths): ResourceService => lookupService(paths[path], 'recordings');
  const list50 = parseListQuery({}, recordings);
  const filtered = parseListQuery({ status: 'READY', sort: '-recordedAt' }, recordings);
  const outputOf = async (path: keyof typeof paths, i: number): Promise<string> =>
    JSON.stringify(service(path).output(await service(path).get(member, id(i)), member));
  const serviceResults = {
    getById: { prisma: await cpuPerCall((i) => outputOf('prisma', i)), sql: await cpuPerCall((i) => outputOf('sql', i)) },
    list50: {
      prisma: await cpuPerCall(() => service('prisma').list(member, list50)),
      sql: await cpuPerCall(() => service('sql').list(member, list50)),
    },
    listFiltered: {
      prisma: await cpuPerCall(() => service('prisma').list(member, filtered)),
      sql: await cpuPerCall(() => service('sql').list(member, filtered)),
    },
  };
  await db.close();
  const { version } = JSON.parse(readFileSync(require.resolve('@prisma/client/package.json'), 'utf8')) as { version: string };
  process.stdout.write(
    `${JSON.stringify({ prismaClient: version, calls, rounds, cpuMsPerCall: results, serviceCpuMsPerCall: serviceResults }, null, 2)}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
