/**
 * The run paths beyond the generic GET /runs and /runs/{id}: starting runs of an algo, the runs
 * of a recording, cancelling, and the worker protocol (src/api/routes/runs.routes.ts,
 * src/api/routes/worker.routes.ts; docs/runs.md). Request bodies are the schemas the routes parse.
 */
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { Modality } from '../../generated/prisma/client';
import { claimBody, completeBody, failBody, heartbeatBody, MAX_WAIT_SECONDS } from '../../models/run.model';
import type { ResourceDescriptor } from '../../resources/descriptor';
import { errors, jsonBody, ok, paramRef } from './common';
import type { ModelSchemas } from './models';
import { listingParameters } from './listing';
import { API, createRoute, listRoute } from './resources';

const WORKER_ONLY =
  'For API keys of WORKER scope only (any other token: 403 insufficient-scope). A key claims the runs of the algos its user owns ' +
  '(an admin’s key: of every algo).';
const LEASE_LOST =
  'A report whose `leaseId` is not the run’s current lease (the lease expired and the run was requeued or claimed again, or the ' +
  'run was cancelled or has finished) is a 409 `lease-lost` with `runStatus`: stop working on the run.';

const id = (what: string) => z.object({ id: z.uuid().meta({ description: `The id of the ${what}` }) });
const time = () => z.iso.datetime({ offset: true });

export function registerRuns(registry: OpenAPIRegistry, runs: ResourceDescriptor, m: ModelSchemas): void {
  const run = m.full;
  const tags = ['runs'];

  const create = createRoute(runs, m, `${API}/algos/{id}/runs`, {
    operationId: 'createAlgoRuns',
    summary: 'Run a published algo on one recording, or on up to 1000 (one run each, all or none)',
    description:
      'Only PUBLISHED algos run (409 `algo-not-runnable` otherwise). Each recording must be one the caller may read (400 naming ' +
      '`body.recordingId` otherwise); the run belongs to the recording’s owner. `parameters` must satisfy the algo’s `parameters` ' +
      'JSON Schema (400 naming each problem, e.g. `body.parameters.window`); its defaults are filled in. The runs start QUEUED.',
  });
  registry.registerPath({
    ...create,
    tags,
    request: { ...create.request, params: id('Algo') },
    responses: { ...create.responses, ...errors(404) },
  });
  const listing = listingParameters(registry)(runs);
  const ofAlgo = listRoute(runs, m, `${API}/algos/{id}/runs`, listing, {
    operationId: 'listAlgoRuns',
    summary: 'Your runs of an algo (admins: all)',
  });
  registry.registerPath({
    ...ofAlgo,
    request: { ...ofAlgo.request, params: id('Algo') },
    responses: { ...ofAlgo.responses, ...errors(404) },
  });
  const ofRecording = listRoute(runs, m, `${API}/recordings/{id}/runs`, listing, {
    operationId: 'listRecordingRuns',
    summary: 'The runs of a recording (its owner; admins)',
  });
  registry.registerPath({
    ...ofRecording,
    request: { ...ofRecording.request, params: id('Recording') },
    responses: { ...ofRecording.responses, ...errors(404) },
  });

  registry.registerPath({
    tags,
    method: 'post',
    path: `${API}/runs/{id}/cancel`,
    operationId: 'cancelRun',
    summary: 'Cancel a QUEUED or RUNNING run',
    description:
      'The run is CANCELLED at once; the worker of a RUNNING run learns it from the 409 its next heartbeat or report gets. ' +
      'Cancelling a CANCELLED run answers it again (no new event); a SUCCEEDED or FAILED run is a 409 `run-finished`.',
    parameters: [paramRef('XRequestId'), paramRef('IdempotencyKey')],
    request: { params: id('AlgoRun'), body: { ...jsonBody(z.object({}).strict()), required: false } },
    responses: {
      200: ok('The cancelled run', run, ['ETag', 'Idempotent-Replayed']),
      ...errors(400, 401, 404, 409, 413, 415, 422, 429, 500, 503),
    },
  });

  const recording = z
    .object({
      id: z.uuid(),
      name: z.string(),
      modality: z.enum(Modality),
      format: z.string(),
      sampleRateHz: z.number().nullable(),
      channelCount: z.int().nullable(),
      durationMs: z.int().nullable(),
      sizeBytes: z.string().nullable().meta({ description: 'Of its content, as a decimal string' }),
      sha256: z.string().nullable(),
      recordedAt: time().nullable(),
      metadata: z.record(z.string(), z.unknown()),
      contentUrl: z
        .string()
        .nullable()
        .meta({ description: 'GET it with the same key while you hold the run (Range works); null when the recording has no content' }),
    })
    .strict()
    .meta({ id: 'RunRecording', description: 'The recording a claimed run is for' });
  const lease = z
    .object({
      run,
      leaseId: z.uuid().meta({ description: 'Send it with every heartbeat and report of this run' }),
      algo: z.object({ id: z.uuid(), name: z.string(), version: z.string() }).strict(),
      recording,
    })
    .strict()
    .meta({
      id: 'RunLease',
      description: 'A claimed run: the run (RUNNING, with `leaseExpiresAt`), its lease, its algo and its recording',
    });

  registry.registerPath({
    tags,
    method: 'post',
    path: `${API}/runs/claim`,
    operationId: 'claimRuns',
    summary: 'Take up to `limit` queued runs, each with a lease (workers)',
    description:
      `${WORKER_ONLY} Runs are taken oldest-available first; concurrent claims never get the same run. Each claim is an attempt ` +
      '(`attempts` + 1). With `waitSeconds` the request waits for work (long polling, woken as soon as a run is queued) up to ' +
      `${MAX_WAIT_SECONDS} s, then answers 204. Keep the lease with heartbeats before \`leaseExpiresAt\`; an expired lease puts the ` +
      'run back in the queue. With an `Idempotency-Key`, a retried claim gets the same leases again.',
    parameters: [paramRef('XRequestId'), paramRef('IdempotencyKey')],
    request: { body: { ...jsonBody(claimBody), required: false } },
    responses: {
      200: ok(
        'The claimed runs',
        z
          .object({ data: z.array(lease).min(1) })
          .strict()
          .meta({ id: 'RunLeases' }),
        ['Idempotent-Replayed'],
      ),
      204: ok('No run to claim (within `waitSeconds`)'),
      ...errors(400, 401, 409, 413, 415, 422, 429, 500, 503),
    },
  });

  const report = (verb: string, operationId: string, summary: string, body: z.ZodType, description: string) =>
    registry.registerPath({
      tags,
      method: 'post',
      path: `${API}/runs/{id}/${verb}`,
      operationId,
      summary,
      description: `${WORKER_ONLY} ${description} ${LEASE_LOST}`,
      parameters: [paramRef('XRequestId'), paramRef('IdempotencyKey')],
      request: { params: id('AlgoRun'), body: jsonBody(body) },
      responses: {
        200: ok('The run', run, ['Idempotent-Replayed']),
        ...errors(400, 401, 404, 409, 413, 415, 422, 429, 500, 503),
      },
    });
  report(
    'heartbeat',
    'heartbeatRun',
    'Keep the lease and report progress (workers)',
    heartbeatBody,
    'Extends the lease by its length (or by `leaseSeconds`) from now and records `progress` (0–1) and `message`.',
  );
  report(
    'complete',
    'completeRun',
    'Finish a run with its result (workers)',
    completeBody,
    'The run is SUCCEEDED with `result` (any JSON value of at most 64 KiB).',
  );
  report(
    'fail',
    'failRun',
    'Report that a run failed (workers)',
    failBody,
    'A retryable failure (the default) with attempts left puts the run back in the queue, claimable after RUNS_RETRY_BACKOFF × ' +
      '2^(attempt − 1) (at most RUNS_RETRY_BACKOFF_MAX); otherwise the run is FAILED. `error` is kept on the run.',
  );
}
