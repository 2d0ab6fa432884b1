/**
 * The queue's statements. Each transition is ONE statement: the row change and its event-log row
 * are data-modifying CTEs of the same statement, so they commit together or not at all (and cost
 * one round trip). Tables, columns and enum types are named from the model metadata
 * (src/db/sql-names.ts: `R.c.leaseId` is the quoted column of AlgoRun.leaseId); rows come back
 * keyed by field names. Times are the database's (`now()`), never an instance's clock, so
 * instances with skewed clocks agree on leases and backoff.
 */
import { sqlNames, type SqlNames } from '../db/sql-names';

export function statements(names: SqlNames) {
  const R = names.table('AlgoRun');
  const A = names.table('Algo');
  const REC = names.table('Recording');
  const E = names.table('EventLog');
  const r = R.c;
  const a = A.c;
  const rec = REC.c;
  const e = E.c;
  const status = names.enumType('RunStatus');
  const run = (alias: string) => R.fieldsOf(alias);
  // The types of the ids the statements take: runs, recordings, users (owners, actors), API keys (workers).
  const runId = R.id.type;
  const recordingId = REC.id.type;
  const userId = names.table('User').id.type;
  const keyId = names.table('ApiKey').id.type;

  /** The event-log row of each changed run (`c`, keyed by field names): actor, request id, `changes` built by `changes`. */
  const logged = (verb: string, actor: string, request: string, changes: string): string => `
  logged AS (
    INSERT INTO ${E.table} (${e.actorId}, ${e.action}, ${e.entityType}, ${e.entityId}, ${e.requestId}, ${e.changes})
    SELECT ${actor}, 'run.${verb}', 'run', c.id::text, ${request}, ${changes} FROM changed c
  )`;

  /**
   * Back to the queue when `retry` holds, else FAILED for good. The delay is
   * base × 2^(attempt − 1) ms, at most max ms ($base, $max).
   */
  const requeueOrFail = (retry: string, base: string, max: string): string => `
  ${r.status} = CASE WHEN ${retry} THEN 'QUEUED'::${status} ELSE 'FAILED'::${status} END,
  ${r.availableAt} = CASE WHEN ${retry}
    THEN now() + make_interval(secs => least(${max}::float8, ${base}::float8 * power(2, r.${r.attempts} - 1)) / 1000)
    ELSE r.${r.availableAt} END,
  ${r.finishedAt} = CASE WHEN ${retry} THEN NULL ELSE now() END,
  ${r.workerId} = CASE WHEN ${retry} THEN NULL ELSE r.${r.workerId} END,
  ${r.leaseExpiresAt} = NULL,
  ${r.updatedAt} = now()`;

  /** The changes of a run (`c`, keyed by field names) that failed or whose lease expired, held by worker key `heldBy` before. */
  const failedChanges = (heldBy: string): string => `jsonb_build_object(
  'before', jsonb_build_object('status', 'RUNNING', 'workerId', ${heldBy}),
  'after', jsonb_build_object('status', c.status, 'attempts', c.attempts, 'maxAttempts', c."maxAttempts", 'error', c.error)
    || CASE WHEN c.status = 'QUEUED' THEN jsonb_build_object('availableAt', c."availableAt") ELSE jsonb_build_object('finishedAt', c."finishedAt") END)`;

  /** QUEUED runs of the algos a worker may take: $1 algo owner (NULL: any), $2 algo filter [{name, version?}] (NULL: any). */
  const claimable = `
  ${R.table} r JOIN ${A.table} a ON a.${a.id} = r.${r.algoId}
   WHERE r.${r.status} = 'QUEUED'
     AND ($1::${userId} IS NULL OR a.${a.ownerId} = $1::${userId})
     AND ($2::jsonb IS NULL OR EXISTS (
           SELECT 1 FROM jsonb_to_recordset($2::jsonb) AS f(name text, version text)
            WHERE f.name = a.${a.name} AND (f.version IS NULL OR f.version = a.${a.version})))`;

  /** The run held by lease $2 of worker key $3 (and only while it is RUNNING). */
  const held = `r.${r.id} = $1::${runId} AND r.${r.leaseId} = $2::uuid AND r.${r.workerId} = $3::${keyId} AND r.${r.status} = 'RUNNING'`;

  return {
    /**
     * $1 algo owner (NULL: any, for an admin's key), $2 algo filter [{name, version?}] (NULL: any),
     * $3 limit, $4 worker key, $5 worker name, $6 lease seconds, $7 actor, $8 request id.
     */
    claim: `
      WITH picked AS (
        SELECT r.${r.id} AS id FROM ${claimable} AND r.${r.availableAt} <= now()
         ORDER BY r.${r.availableAt}, r.${r.id}
         LIMIT $3::int
         FOR UPDATE OF r SKIP LOCKED
      ), changed AS (
        UPDATE ${R.table} r
           SET ${r.status} = 'RUNNING', ${r.attempts} = r.${r.attempts} + 1, ${r.workerId} = $4::${keyId}, ${r.workerName} = $5::text,
               ${r.leaseId} = gen_random_uuid(), ${r.leaseSeconds} = $6::int, ${r.leaseExpiresAt} = now() + make_interval(secs => $6::int),
               ${r.heartbeatAt} = NULL, ${r.progress} = NULL, ${r.progressMessage} = NULL, ${r.startedAt} = now(), ${r.updatedAt} = now()
          FROM picked WHERE r.${r.id} = picked.id
        RETURNING ${run('r')}
      ),${logged(
        'claimed',
        `$7::${userId}`,
        '$8::text',
        `jsonb_build_object('before', jsonb_build_object('status', 'QUEUED', 'attempts', c.attempts - 1),
           'after', jsonb_build_object('status', 'RUNNING', 'attempts', c.attempts, 'workerId', c."workerId",
                                       'workerName', c."workerName", 'leaseExpiresAt', c."leaseExpiresAt"))`,
      )}
      SELECT c.*, a.${a.name} AS "algo.name", a.${a.version} AS "algo.version",
             rec.${rec.name} AS "recording.name", rec.${rec.modality}::text AS "recording.modality", rec.${rec.format} AS "recording.format",
             rec.${rec.sampleRateHz} AS "recording.sampleRateHz", rec.${rec.channelCount} AS "recording.channelCount",
             rec.${rec.durationMs} AS "recording.durationMs", rec.${rec.sizeBytes} AS "recording.sizeBytes", rec.${rec.sha256} AS "recording.sha256",
             rec.${rec.recordedAt} AS "recording.recordedAt", rec.${rec.metadata} AS "recording.metadata",
             (rec.${rec.contentKey} IS NOT NULL) AS "recording.hasContent"
        FROM changed c JOIN ${A.table} a ON a.${a.id} = c."algoId" JOIN ${REC.table} rec ON rec.${rec.id} = c."recordingId"
       ORDER BY c."availableAt", c.id`,

    /** In how many ms the next run the worker may take becomes available ($1, $2 as for claim); NULL: none queued. */
    nextAvailable: `SELECT (EXTRACT(EPOCH FROM (min(r.${r.availableAt}) - now())) * 1000)::float8 AS ms FROM ${claimable}`,

    /** $1 run, $2 lease, $3 worker key, $4 new lease seconds (NULL: keep), $5 progress (NULL: keep), $6 set message?, $7 message. */
    heartbeat: `
      UPDATE ${R.table} r
         SET ${r.leaseSeconds} = COALESCE($4::int, r.${r.leaseSeconds}),
             ${r.leaseExpiresAt} = now() + make_interval(secs => COALESCE($4::int, r.${r.leaseSeconds})),
             ${r.heartbeatAt} = now(), ${r.progress} = COALESCE($5::float8, r.${r.progress}),
             ${r.progressMessage} = CASE WHEN $6::boolean THEN $7::text ELSE r.${r.progressMessage} END, ${r.updatedAt} = now()
       WHERE ${held}
      RETURNING ${run('r')}`,

    /** $1 run, $2 lease, $3 worker key, $4 result (jsonb or NULL), $5 set message?, $6 message, $7 actor, $8 request id. */
    complete: `
      WITH changed AS (
        UPDATE ${R.table} r
           SET ${r.status} = 'SUCCEEDED', ${r.result} = $4::jsonb, ${r.progress} = 1, ${r.error} = NULL,
               ${r.progressMessage} = CASE WHEN $5::boolean THEN $6::text ELSE r.${r.progressMessage} END,
               ${r.finishedAt} = now(), ${r.leaseExpiresAt} = NULL, ${r.updatedAt} = now()
         WHERE ${held}
        RETURNING ${run('r')}
      ),${logged(
        'succeeded',
        `$7::${userId}`,
        '$8::text',
        `jsonb_build_object('before', jsonb_build_object('status', 'RUNNING'),
           'after', jsonb_build_object('status', 'SUCCEEDED', 'attempts', c.attempts, 'finishedAt', c."finishedAt"))`,
      )}
      SELECT * FROM changed`,

    /** $1 run, $2 lease, $3 worker key, $4 retryable, $5 backoff base ms, $6 backoff max ms, $7 error, $8 actor, $9 request id. */
    fail: `
      WITH changed AS (
        UPDATE ${R.table} r
           SET ${requeueOrFail(`($4::boolean AND r.${r.attempts} < r.${r.maxAttempts})`, '$5', '$6')}, ${r.error} = $7::jsonb
         WHERE ${held}
        RETURNING ${run('r')}
      ),${logged('failed', `$8::${userId}`, '$9::text', failedChanges(`$3::${keyId}`))}
      SELECT * FROM changed`,

    /** Runs whose lease has expired (the worker stopped reporting): $1 backoff base ms, $2 backoff max ms, $3 at most this many. */
    expire: `
      WITH expired AS (
        SELECT ${r.id} AS id, ${r.workerId} AS "workerId" FROM ${R.table}
         WHERE ${r.status} = 'RUNNING' AND ${r.leaseExpiresAt} < now()
         ORDER BY ${r.leaseExpiresAt} LIMIT $3::int
         FOR UPDATE SKIP LOCKED
      ), changed AS (
        UPDATE ${R.table} r
           SET ${requeueOrFail(`(r.${r.attempts} < r.${r.maxAttempts})`, '$1', '$2')},
               ${r.error} = jsonb_build_object('message', 'The lease expired: the worker stopped reporting before it finished',
                                          'code', 'lease_expired', 'retryable', true)
          FROM expired x WHERE r.${r.id} = x.id
        RETURNING ${run('r')}, x."workerId" AS "heldBy"
      ),${logged('lease_expired', 'NULL', 'NULL', failedChanges('c."heldBy"'))}
      SELECT c.status::text AS status FROM changed c`,

    /** $1 run, $2 owner (NULL: an admin, any), $3 actor, $4 request id. */
    cancel: `
      WITH current AS (
        SELECT ${r.id} AS id, ${r.status} AS status FROM ${R.table}
         WHERE ${r.id} = $1::${runId} AND ${r.status} IN ('QUEUED', 'RUNNING') AND ($2::${userId} IS NULL OR ${r.userId} = $2::${userId})
         FOR UPDATE
      ), changed AS (
        UPDATE ${R.table} r
           SET ${r.status} = 'CANCELLED', ${r.finishedAt} = now(), ${r.leaseExpiresAt} = NULL, ${r.updatedAt} = now()
          FROM current WHERE r.${r.id} = current.id
        RETURNING ${run('r')}, current.status::text AS "previousStatus"
      ),${logged(
        'cancelled',
        `$3::${userId}`,
        '$4::text',
        `jsonb_build_object('before', jsonb_build_object('status', c."previousStatus"),
           'after', jsonb_build_object('status', 'CANCELLED', 'finishedAt', c."finishedAt"))`,
      )}
      SELECT * FROM changed`,

    /** Why a report matched nothing: the run ($1) with its algo's owner. */
    reportTarget: `
      SELECT r.${r.status}::text AS status, a.${a.ownerId} AS "algoOwnerId"
        FROM ${R.table} r JOIN ${A.table} a ON a.${a.id} = r.${r.algoId} WHERE r.${r.id} = $1::${runId}`,

    /** Whether worker key $2 holds a run of recording $1. */
    holdsRecording: `
      SELECT 1 AS held FROM ${R.table}
       WHERE ${r.recordingId} = $1::${recordingId} AND ${r.workerId} = $2::${keyId} AND ${r.status} = 'RUNNING' LIMIT 1`,
  };
}

export type Statements = ReturnType<typeof statements>;

/** The statements of the schema `S` (quoted). */
export const statementsIn = (S: string): Statements => statements(sqlNames(S));
