/**
 * The Prometheus metrics of this process (prom-client), on one registry that the metrics port
 * serves (src/telemetry/metrics-server.ts). Names and labels are listed in docs/operations.md.
 * Labels only ever take values from small, fixed sets (route templates, never raw paths), so
 * the number of series stays bounded whatever clients send.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { SeriesCounter, SeriesHistogram } from './series';

export const registry = new Registry();

const PREFIX = 'backendapi_';

/** Seconds; from a fast cached read to the statement timeout. */
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const QUERY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15];

const httpLabels = ['method', 'route', 'status_class'] as const;

/**
 * Request count and latency: filled per request by src/telemetry/http-metrics.ts without calling
 * prom-client (src/telemetry/series.ts says why); the count is read from the histogram's.
 */
export const httpDuration = new SeriesHistogram(
  `${PREFIX}http_request_duration_seconds`,
  'Time from the request reaching the app to the last byte of the response, by method, route template and status class',
  httpLabels,
  REQUEST_BUCKETS,
).register(registry);

new SeriesCounter(
  `${PREFIX}http_requests_total`,
  'HTTP requests answered, by method, route template and status class (2xx, 3xx, 4xx, 5xx)',
  httpDuration,
).register(registry);

/** Requests being handled now, counted by the request middleware (a plain number: the gauge reads it when scraped). */
export const requestsInFlight = { count: 0 };

new Gauge({
  name: `${PREFIX}http_requests_in_flight`,
  help: 'HTTP requests being handled now',
  registers: [registry],
  collect() {
    this.set(requestsInFlight.count);
  },
});

/** Filled per statement by src/telemetry/db-metrics.ts, as the request histogram is. */
export const dbQueryDuration = new SeriesHistogram(
  `${PREFIX}db_query_duration_seconds`,
  'Time of each SQL statement sent through the connection pool (Prisma and raw), by its first keyword',
  ['operation'],
  QUERY_BUCKETS,
).register(registry);

export const idempotencyReplays = new Counter({
  name: `${PREFIX}idempotency_replays_total`,
  help: 'POSTs answered with the stored response of an earlier request with the same Idempotency-Key',
  registers: [registry],
});

const LOGIN_FAILURE_REASONS = ['unknown_email', 'no_password', 'wrong_password', 'disabled'] as const;
export type LoginFailureReason = (typeof LOGIN_FAILURE_REASONS)[number];

export const loginFailures = new Counter({
  name: `${PREFIX}login_failures_total`,
  help: 'Refused password logins, by reason',
  labelNames: ['reason'] as const,
  registers: [registry],
});

const RATE_LIMITERS = ['login', 'token'] as const;
export type RateLimiter = (typeof RATE_LIMITERS)[number];

export const rateLimitRejections = new Counter({
  name: `${PREFIX}rate_limit_rejections_total`,
  help: 'Requests refused with 429 by a rate limit: login (failed logins per account or IP) or token (RATE_LIMIT_PER_MINUTE)',
  labelNames: ['limiter'] as const,
  registers: [registry],
});

export const readiness = new Gauge({
  name: `${PREFIX}ready`,
  help: '1 when the last /readyz answer was ready, 0 when it was not',
  registers: [registry],
});

export const readinessChanges = new Counter({
  name: `${PREFIX}readiness_changes_total`,
  help: 'Times the /readyz answer changed between ready and not ready',
  registers: [registry],
});

let lastReady: boolean | undefined;

/** Called with each /readyz answer: the gauge, and a count of changes (flapping shows there). */
export function recordReadiness(ready: boolean): void {
  if (lastReady !== undefined && lastReady !== ready) readinessChanges.inc();
  lastReady = ready;
  readiness.set(ready ? 1 : 0);
}

export type ContentDirection = 'upload' | 'download';

export const contentBytes = new Counter({
  name: `${PREFIX}content_bytes_total`,
  help: 'Bytes of recording content received from clients (upload) and sent to them (download)',
  labelNames: ['direction'] as const,
  registers: [registry],
});

const RUN_EVENTS = ['created', 'claimed', 'succeeded', 'retried', 'failed', 'expired', 'cancelled'] as const;
export type RunEvent = (typeof RUN_EVENTS)[number];

export const runEvents = new Counter({
  name: `${PREFIX}run_events_total`,
  help:
    'Algorithm-run transitions made by this instance, by event: created, claimed, succeeded, retried (a retryable failure back in ' +
    'the queue), failed (for good), expired (a lease that expired: back in the queue or failed), cancelled',
  labelNames: ['event'] as const,
  registers: [registry],
});

// Every series of a fixed label set exists from the start at 0, so that rate() and increase()
// see the first event (a series that appears with the value 1 shows no increase).
for (const reason of LOGIN_FAILURE_REASONS) loginFailures.inc({ reason }, 0);
for (const limiter of RATE_LIMITERS) rateLimitRejections.inc({ limiter }, 0);
for (const direction of ['upload', 'download'] as const) contentBytes.inc({ direction }, 0);
for (const event of RUN_EVENTS) runEvents.inc({ event }, 0);

/** Counts run transitions (src/runs/queue.ts, and creations in src/api/routes/runs.routes.ts). */
export function recordRunEvents(event: RunEvent, count: number): void {
  if (count > 0) runEvents.inc({ event }, count);
}

/** Counts recording content passing through the API; fed by the content service's events (src/api/router.ts). */
export function recordContentBytes(direction: ContentDirection, bytes: number): void {
  if (bytes > 0) contentBytes.inc({ direction }, bytes);
}

let processMetrics = false;

/** prom-client's default collectors: CPU, memory, heap, GC, handles, event-loop lag. Once per process. */
export function collectProcessMetrics(): void {
  if (processMetrics) return;
  processMetrics = true;
  collectDefaultMetrics({ register: registry });
}
