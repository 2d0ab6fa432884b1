/**
 * The queue's statements. Each transition is ONE statement: the row change and its event-log row
 * are data-modifying CTEs of the same statement, so they commit together or not at all (and cost
 * one round trip). `S` is the quoted schema. Times are the database's (`now()`), never an
 * instance's clock, so instances with skewed clocks agree on leases and backoff.
 */

/** The event-log row of each changed run (`c`): actor $A, request id $R, `changes` built by `changes`. */
const logged = (S: string, verb: string, actor: string, request: string, changes: string): string => `
  logged AS (
    INSERT INTO ${S}."EventLog" ("actorId", action, "entityType", "entityId", "requestId", changes)
    SELECT ${actor}, 'run.${verb}', 'run', c.id::text, ${request}, ${changes} FROM changed c
  )`;

/**
 * Back to the queue when `retry` holds, else FAILED for good. The delay is
 * base × 2^(attempt − 1) ms, at most max ms ($base, $max).
 */
const requeueOrFail = (S: string, retry: string, base: string, max: string): string => `
  status = CASE WHEN ${retry} THEN 'QUEUED'::${S}."RunStatus" ELSE 'FAILED'::${S}."RunStatus" END,
  "availableAt" = CASE WHEN ${retry}
    THEN now() + make_interval(secs => least(${max}::float8, ${base}::float8 * power(2, r.attempts - 1)) / 1000)
    ELSE r."availableAt" END,
  "finishedAt" = CASE WHEN ${retry} THEN NULL ELSE now() END,
  "workerId" = CASE WHEN ${retry} THEN NULL ELSE r."workerId" END,
  "leaseExpiresAt" = NULL,
  "updatedAt" = now()`;

/** The changes of a run that failed or whose lease expired, held by worker key `heldBy` before. */
const failedChanges = (heldBy: string): string => `jsonb_build_object(
  'before', jsonb_build_object('status', 'RUNNING', 'workerId', ${heldBy}),
  'after', jsonb_build_object('status', c.status, 'attempts', c.attempts, 'maxAttempts', c."maxAttempts", 'error', c.error)
    || CASE WHEN c.status = 'QUEUED' THEN jsonb_build_object('availableAt', c."availableAt") ELSE jsonb_build_object('finishedAt', c."finishedAt") END)`;

/** QUEUED runs of the algos a worker may take: $1 algo owner (NULL: any), $2 algo filter [{name, version?}] (NULL: any). */
const claimable = (S: string): string => `
  ${S}."AlgoRun" r JOIN ${S}."Algo" a ON a.id = r."algoId"
   WHERE r.status = 'QUEUED'
     AND ($1::uuid IS NULL OR a."ownerId" = $1::uuid)
     AND ($2::jsonb IS NULL OR EXISTS (
           SELECT 1 FROM jsonb_to_recordset($2::jsonb) AS f(name text, version text)
            WHERE f.name = a.name AND (f.version IS NULL OR f.version = a.version)))`;

/** The run held by lease $2 of worker key $3 (and only while it is RUNNING). */
const HELD = `r.id = $1::uuid AND r."leaseId" = $2::uuid AND r."workerId" = $3::uuid AND r.status = 'RUNNING'`;

export function statements(S: string) {
  return {
    /**
     * $1 algo owner (NULL: any, for an admin's key), $2 algo filter [{name, version?}] (NULL: any),
     * $3 limit, $4 worker key, $5 worker name, $6 lease seconds, $7 actor, $8 request id.
     */
    claim: `
      WITH picked AS (
        SELECT r.id FROM ${claimable(S)} AND r."availableAt" <= now()
         ORDER BY r."availableAt", r.id
         LIMIT $3::int
         FOR UPDATE OF r SKIP LOCKED
      ), changed AS (
        UPDATE ${S}."AlgoRun" r
           SET status = 'RUNNING', attempts = r.attempts + 1, "workerId" = $4::uuid, "workerName" = $5::text,
               "leaseId" = gen_random_uuid(), "leaseSeconds" = $6::int, "leaseExpiresAt" = now() + make_interval(secs => $6::int),
               "heartbeatAt" = NULL, progress = NULL, "progressMessage" = NULL, "startedAt" = now(), "updatedAt" = now()
          FROM picked WHERE r.id = picked.id
        RETURNING r.*
      ),${logged(
        S,
        'claimed',
        '$7::uuid',
        '$8::text',
        `jsonb_build_object('before', jsonb_build_object('status', 'QUEUED', 'attempts', c.attempts - 1),
           'after', jsonb_build_object('status', 'RUNNING', 'attempts', c.attempts, 'workerId', c."workerId",
                                       'workerName', c."workerName", 'leaseExpiresAt', c."leaseExpiresAt"))`,
      )}
      SELECT c.*, a.name AS "algo.name", a.version AS "algo.version",
             rec.name AS "recording.name", rec.modality::text AS "recording.modality", rec.format AS "recording.format",
             rec."sampleRateHz" AS "recording.sampleRateHz", rec."channelCount" AS "recording.channelCount",
             rec."durationMs" AS "recording.durationMs", rec."sizeBytes" AS "recording.sizeBytes", rec.sha256 AS "recording.sha256",
             rec."recordedAt" AS "recording.recordedAt", rec.metadata AS "recording.metadata",
             (rec."contentKey" IS NOT NULL) AS "recording.hasContent"
        FROM changed c JOIN ${S}."Algo" a ON a.id = c."algoId" JOIN ${S}."Recording" rec ON rec.id = c."recordingId"
       ORDER BY c."availableAt", c.id`,

    /** In how many ms the next run the worker may take becomes available ($1, $2 as for claim); NULL: none queued. */
    nextAvailable: `SELECT (EXTRACT(EPOCH FROM (min(r."availableAt") - now())) * 1000)::float8 AS ms FROM ${claimable(S)}`,

    /** $1 run, $2 lease, $3 worker key, $4 new lease seconds (NULL: keep), $5 progress (NULL: keep), $6 set message?, $7 message. */
    heartbeat: `
      UPDATE ${S}."AlgoRun" r
         SET "leaseSeconds" = COALESCE($4::int, r."leaseSeconds"),
             "leaseExpiresAt" = now() + make_interval(secs => COALESCE($4::int, r."leaseSeconds")),
             "heartbeatAt" = now(), progress = COALESCE($5::float8, r.progress),
             "progressMessage" = CASE WHEN $6::boolean THEN $7::text ELSE r."progressMessage" END, "updatedAt" = now()
       WHERE ${HELD}
      RETURNING r.*`,

    /** $1 run, $2 lease, $3 worker key, $4 result (jsonb or NULL), $5 set message?, $6 message, $7 actor, $8 request id. */
    complete: `
      WITH changed AS (
        UPDATE ${S}."AlgoRun" r
           SET status = 'SUCCEEDED', result = $4::jsonb, progress = 1, error = NULL,
               "progressMessage" = CASE WHEN $5::boolean THEN $6::text ELSE r."progressMessage" END,
               "finishedAt" = now(), "leaseExpiresAt" = NULL, "updatedAt" = now()
         WHERE ${HELD}
        RETURNING r.*
      ),${logged(
        S,
        'succeeded',
        '$7::uuid',
        '$8::text',
        `jsonb_build_object('before', jsonb_build_object('status', 'RUNNING'),
           'after', jsonb_build_object('status', 'SUCCEEDED', 'attempts', c.attempts, 'finishedAt', c."finishedAt"))`,
      )}
      SELECT * FROM changed`,

    /** $1 run, $2 lease, $3 worker key, $4 retryable, $5 backoff base ms, $6 backoff max ms, $7 error, $8 actor, $9 request id. */
    fail: `
      WITH changed AS (
        UPDATE ${S}."AlgoRun" r
           SET ${requeueOrFail(S, '($4::boolean AND r.attempts < r."maxAttempts")', '$5', '$6')}, error = $7::jsonb
         WHERE ${HELD}
        RETURNING r.*
      ),${logged(S, 'failed', '$8::uuid', '$9::text', failedChanges('$3::uuid'))}
      SELECT * FROM changed`,

    /** Runs whose lease has expired (the worker stopped reporting): $1 backoff base ms, $2 backoff max ms, $3 at most this many. */
    expire: `
      WITH expired AS (
        SELECT id, "workerId" FROM ${S}."AlgoRun"
         WHERE status = 'RUNNING' AND "leaseExpiresAt" < now()
         ORDER BY "leaseExpiresAt" LIMIT $3::int
         FOR UPDATE SKIP LOCKED
      ), changed AS (
        UPDATE ${S}."AlgoRun" r
           SET ${requeueOrFail(S, '(r.attempts < r."maxAttempts")', '$1', '$2')},
               error = jsonb_build_object('message', 'The lease expired: the worker stopped reporting before it finished',
                                          'code', 'lease_expired', 'retryable', true)
          FROM expired e WHERE r.id = e.id
        RETURNING r.*, e."workerId" AS "heldBy"
      ),${logged(S, 'lease_expired', 'NULL', 'NULL', failedChanges('c."heldBy"'))}
      SELECT c.status::text AS status FROM changed c`,

    /** $1 run, $2 owner (NULL: an admin, any), $3 actor, $4 request id. */
    cancel: `
      WITH current AS (
        SELECT id, status FROM ${S}."AlgoRun"
         WHERE id = $1::uuid AND status IN ('QUEUED', 'RUNNING') AND ($2::uuid IS NULL OR "userId" = $2::uuid)
         FOR UPDATE
      ), changed AS (
        UPDATE ${S}."AlgoRun" r
           SET status = 'CANCELLED', "finishedAt" = now(), "leaseExpiresAt" = NULL, "updatedAt" = now()
          FROM current WHERE r.id = current.id
        RETURNING r.*, current.status::text AS "previousStatus"
      ),${logged(
        S,
        'cancelled',
        '$3::uuid',
        '$4::text',
        `jsonb_build_object('before', jsonb_build_object('status', c."previousStatus"),
           'after', jsonb_build_object('status', 'CANCELLED', 'finishedAt', c."finishedAt"))`,
      )}
      SELECT * FROM changed`,

    /** Why a report matched nothing: the run ($1) with its algo's owner. */
    reportTarget: `
      SELECT r.status::text AS status, a."ownerId" AS "algoOwnerId"
        FROM ${S}."AlgoRun" r JOIN ${S}."Algo" a ON a.id = r."algoId" WHERE r.id = $1::uuid`,

    /** Whether worker key $2 holds a run of recording $1. */
    holdsRecording: `
      SELECT 1 AS held FROM ${S}."AlgoRun"
       WHERE "recordingId" = $1::uuid AND "workerId" = $2::uuid AND status = 'RUNNING' LIMIT 1`,
  };
}

export type Statements = ReturnType<typeof statements>;
