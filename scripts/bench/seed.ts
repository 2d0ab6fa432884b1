/**
 * The bench's own database: dropped and created again, migrated by the same code as production
 * (applyPendingMigrations), then filled in bulk with INSERT … SELECT generate_series (seconds for
 * 100k rows, where the API would take minutes). One MEMBER user is the bench's caller, with an
 * API key; it owns its share of sessions and recordings like every other user.
 */
import type pg from 'pg';
import { connectDatabase } from '../../src/db/connection';
import { applyPendingMigrations } from '../../src/db/migrations';
import { withClient } from '../../src/db/open';
import { parsePgUrl, quoteIdent } from '../../src/db/pg-url';
import { generateToken } from '../../src/auth/tokens';
import { benchNames } from './names';

export interface SeedOptions {
  url: string;
  users: number;
  sessionsPerUser: number;
  recordings: number;
}

export interface Seeded {
  token: string;
  userId: string;
  /** Ids of recordings the bench user owns (GET by id picks among them). */
  recordingIds: string[];
  /** A session of the bench user (creates attach to it). */
  sessionId: string;
  counts: { users: number; sessions: number; recordings: number; events: number };
}

/** A time-ordered (v7-like) UUID for the timestamp expression `ts`, as the API's ids are. */
const uuidAt = (ts: string): string =>
  `encode(overlay(uuid_send(gen_random_uuid()) placing substring(int8send(floor(extract(epoch from ${ts}) * 1000)::bigint) from 3) from 1 for 6), 'hex')::uuid`;

export async function recreateDatabase(url: string): Promise<void> {
  const { config } = parsePgUrl(url);
  const name = config.database;
  if (!name || !/^[a-z0-9_]*bench[a-z0-9_]*$/.test(name)) {
    throw new Error(`refusing to drop database "${String(name)}": the bench database's name must contain "bench"`);
  }
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  await withClient(maintenance.toString(), async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  });
}

export async function migrate(url: string): Promise<string[]> {
  const db = connectDatabase({ url, poolSize: 2, connectTimeoutMs: 10_000, statementTimeoutMs: 600_000 });
  try {
    return await applyPendingMigrations(db.pool, db.schema, url);
  } finally {
    await db.close();
  }
}

export async function seed(options: SeedOptions): Promise<Seeded> {
  return withClient(options.url, (client) => fill(client, options), { statementTimeoutMs: 600_000 });
}

async function fill(client: pg.Client, options: SeedOptions): Promise<Seeded> {
  const names = benchNames(options.url);
  const [U, S, R, E, K] = [
    names.table('User'),
    names.table('Session'),
    names.table('Recording'),
    names.table('EventLog'),
    names.table('ApiKey'),
  ];
  const [u, s, r, e, k] = [U.c, S.c, R.c, E.c, K.c];
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO ${U.table} (${u.id}, ${u.email}, ${u.name}, ${u.role}, ${u.createdAt}, ${u.updatedAt})
       SELECT ${uuidAt('now()')}, 'bench-' || g || '@example.com', 'Bench User ' || g, 'MEMBER', now(), now()
       FROM generate_series(1, $1) g`,
      [options.users],
    );
    await client.query(
      `INSERT INTO ${S.table} (${s.id}, ${s.userId}, ${s.title}, ${s.device}, ${s.startedAt}, ${s.metadata}, ${s.createdAt}, ${s.updatedAt})
       SELECT ${uuidAt('now()')}, u.${u.id}, 'Session ' || g, 'device-' || (g % 7), now() - make_interval(mins => g), '{"site":"bench"}', now(), now()
       FROM ${U.table} u CROSS JOIN generate_series(1, $1) g`,
      [options.sessionsPerUser],
    );
    // Recording g goes to session g mod (number of sessions), so every user owns about the same share.
    await client.query(
      `WITH s AS (SELECT ${s.id} AS id, ${s.userId} AS "userId", row_number() OVER (ORDER BY ${s.id}) - 1 AS n FROM ${S.table}),
            c AS (SELECT count(*) AS total FROM ${S.table})
       INSERT INTO ${R.table} (${r.id}, ${r.userId}, ${r.sessionId}, ${r.name}, ${r.modality}, ${r.status}, ${r.format}, ${r.sampleRateHz},
                               ${r.channelCount}, ${r.durationMs}, ${r.sizeBytes}, ${r.sha256}, ${r.storageUri}, ${r.recordedAt},
                               ${r.metadata}, ${r.createdAt}, ${r.updatedAt})
       SELECT ${uuidAt('t.ts')}, s."userId", s.id, 'recording-' || g,
              (ARRAY['EEG','ECG','EMG','AUDIO','IMU'])[1 + g % 5]::${names.enumType('Modality')},
              (ARRAY['PENDING','READY','FAILED','ARCHIVED'])[1 + g % 4]::${names.enumType('RecordingStatus')},
              'application/x-edf', 256, 32, 60000 + g % 1000, 1000000 + g::bigint, md5(g::text) || md5((g + 1)::text),
              's3://bench/recording-' || g, t.ts, '{"site":"bench","operator":"bench"}', t.ts, t.ts
       FROM generate_series(0, $1 - 1) g
       CROSS JOIN LATERAL (SELECT now() - make_interval(secs => ($1 - g)) AS ts) t
       JOIN s ON s.n = g % (SELECT total FROM c)`,
      [options.recordings],
    );
    // The history those rows would have: one created event each.
    await client.query(
      `INSERT INTO ${E.table} (${e.occurredAt}, ${e.actorId}, ${e.action}, ${e.entityType}, ${e.entityId}, ${e.requestId}, ${e.changes}, ${e.createdAt})
       SELECT ${r.createdAt}, ${r.userId}, 'recording.created', 'recording', ${r.id}::text, NULL,
              jsonb_build_object('after', jsonb_build_object('id', ${r.id}, 'name', ${r.name})), ${r.createdAt}
       FROM ${R.table}`,
    );
    const { rows: users } = await client.query<{ id: string }>(
      `SELECT ${u.id} AS id FROM ${U.table} WHERE ${u.email} = 'bench-1@example.com'`,
    );
    const userId = users[0]?.id as string;
    const key = generateToken('API');
    await client.query(
      `INSERT INTO ${K.table} (${k.id}, ${k.userId}, ${k.name}, ${k.kind}, ${k.tokenHash}, ${k.prefix}, ${k.createdAt}, ${k.updatedAt})
       VALUES (${uuidAt('now()')}, $1, 'bench', 'API', $2, $3, now(), now())`,
      [userId, key.tokenHash, key.prefix],
    );
    await client.query('COMMIT');
    await client.query('ANALYZE');

    const { rows: recs } = await client.query<{ id: string }>(`SELECT ${r.id} AS id FROM ${R.table} WHERE ${r.userId} = $1`, [userId]);
    const { rows: sessions } = await client.query<{ id: string }>(`SELECT ${s.id} AS id FROM ${S.table} WHERE ${s.userId} = $1 LIMIT 1`, [
      userId,
    ]);
    const { rows: counts } = await client.query<Seeded['counts']>(
      `SELECT (SELECT count(*) FROM ${U.table})::int AS users, (SELECT count(*) FROM ${S.table})::int AS sessions,
              (SELECT count(*) FROM ${R.table})::int AS recordings, (SELECT count(*) FROM ${E.table})::int AS events`,
    );
    if (!recs.length || !sessions[0]) throw new Error('the seed left the bench user without recordings or sessions');
    return {
      token: key.secret,
      userId,
      recordingIds: recs.map((r) => r.id),
      sessionId: sessions[0].id,
      counts: counts[0] as Seeded['counts'],
    };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
