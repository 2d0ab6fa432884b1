/**
 * Algorithm runs (AlgoRun): the fields the listing language knows, the body of a run's creation,
 * and the bodies of the worker protocol (claim, heartbeat, complete, fail; docs/runs.md).
 */
import { z } from 'zod';
import { RunStatus } from '../generated/prisma/client';
import { jsonSizeProblem } from '../core/input-limits';
import { jsonObject, text, type FieldMap, fieldsOf } from './fields';

export const runStatuses = Object.values(RunStatus);
/** States a run does not leave. */
export const FINAL_STATUSES: readonly RunStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/** A run of an algo on one recording; `leaseId` is the holding worker's and never leaves the worker protocol. */
export const runFields: FieldMap = fieldsOf('AlgoRun', { sortable: ['status'], hidden: ['leaseId'] });

export const DEFAULT_MAX_ATTEMPTS = 3;
export const MAX_ATTEMPTS_LIMIT = 20;
/** Runs one claim may take. */
export const MAX_CLAIM = 50;
/** The longest a claim may wait for work (long polling), in seconds. */
export const MAX_WAIT_SECONDS = 30;
export const MAX_LEASE_SECONDS = 3600;

/** POST /algos/{id}/runs: one of these per recording (an array for many). */
export const runCreate = z
  .object({
    recordingId: z.uuid().meta({ description: 'The recording to run the algo on (yours; admins: any)' }),
    parameters: jsonObject
      .optional()
      .meta({ description: 'Inputs of the run, valid against the algo’s `parameters` schema (its defaults are filled in); default {}' }),
    maxAttempts: z
      .int()
      .min(1)
      .max(MAX_ATTEMPTS_LIMIT)
      .optional()
      .meta({ description: `Claims allowed before the run fails for good (default ${DEFAULT_MAX_ATTEMPTS})` }),
  })
  .strict();

/**
 * Any JSON value of at most 64 KiB as UTF-8 JSON (a result, an error's details). The z.json() of
 * jsonObject, whose one instance the OpenAPI generator knows by name (it is recursive).
 */
const boundedJson = jsonObject.valueType.superRefine((value, ctx) => {
  const problem = jsonSizeProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const leaseSeconds = z.int().min(1).max(MAX_LEASE_SECONDS);
const leaseId = z.uuid().meta({ description: 'The `leaseId` of the claim: a report with another lease is a 409' });
const progress = z.number().min(0).max(1).meta({ description: 'How far the run is, from 0 to 1' });
const message = z.string().max(1000).nullable().meta({ description: 'What the worker is doing, for people watching the run' });

export const claimBody = z
  .object({
    limit: z
      .int()
      .min(1)
      .max(MAX_CLAIM)
      .default(1)
      .meta({ description: `Runs to claim at most (1–${MAX_CLAIM})` }),
    waitSeconds: z
      .int()
      .min(0)
      .max(MAX_WAIT_SECONDS)
      .default(0)
      .meta({ description: `Long polling: wait up to this many seconds for work before answering 204 (at most ${MAX_WAIT_SECONDS})` }),
    leaseSeconds: leaseSeconds.optional().meta({ description: 'Lease length; default RUNS_LEASE (60 s)' }),
    algos: z
      .array(z.object({ name: text(100), version: text(100).optional() }).strict())
      .min(1)
      .max(50)
      .optional()
      .meta({ description: 'Only runs of these algos (a name alone: any of its versions)' }),
    worker: text(200).optional().meta({ description: 'What the worker calls itself (host, process), shown on the run' }),
  })
  .strict();

export const heartbeatBody = z
  .object({
    leaseId,
    progress: progress.optional(),
    message: message.optional(),
    leaseSeconds: leaseSeconds.optional().meta({ description: 'A new lease length from now on; default the claim’s' }),
  })
  .strict();

export const completeBody = z
  .object({
    leaseId,
    result: boundedJson.optional().meta({ description: 'What the algorithm produced: any JSON value of at most 64 KiB' }),
    message: message.optional(),
  })
  .strict();

export const failBody = z
  .object({
    leaseId,
    error: z
      .object({
        message: z.string().trim().min(1).max(4000),
        code: text(100).optional(),
        details: boundedJson.optional(),
      })
      .strict(),
    retryable: z
      .boolean()
      .default(true)
      .meta({ description: 'true (default): back to the queue with backoff while attempts remain; false: FAILED now' }),
  })
  .strict();

export type ClaimInput = z.output<typeof claimBody>;
export type HeartbeatInput = z.output<typeof heartbeatBody>;
export type CompleteInput = z.output<typeof completeBody>;
export type FailInput = z.output<typeof failBody>;
