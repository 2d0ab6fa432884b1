/**
 * Request metrics: count, latency and in-flight requests by method, route template and status
 * class. Fed by the access log's middleware, mounted first in createApp, so every request is
 * counted, including the ones answered before routing (401, 413, 415, 429), which have no route.
 */
import type { Request, Response } from 'express';
import type { RequestWatcher } from '../api/middleware/access-log';
import type { Pool } from 'pg';
import { collectProcessMetrics, httpDuration, requestsInFlight } from './metrics';
import type { HistogramSeries } from './series';
import { observePool } from './db-metrics';
import { routeTemplate } from './route-template';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** By method, then status class, then route: found without building a key string per request. */
const series = new Map<string, Map<string, Map<string, HistogramSeries>>>();

/** The latency series of one label set (the request count is read from it), kept. */
function seriesOf(method: string, route: string, statusClass: string): HistogramSeries {
  let byClass = series.get(method);
  if (!byClass) series.set(method, (byClass = new Map()));
  let byRoute = byClass.get(statusClass);
  if (!byRoute) byClass.set(statusClass, (byRoute = new Map()));
  let found = byRoute.get(route);
  if (!found) {
    found = httpDuration.series(method, route, statusClass);
    byRoute.set(route, found);
  }
  return found;
}

/** The status class label of a status code (100–599). */
const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'];
const statusClassOf = (status: number): string => STATUS_CLASSES[Math.floor(status / 100)] ?? `${Math.floor(status / 100)}xx`;

/** The end of a request (src/api/middleware/access-log.ts calls it from its 'close' listener). */
function recordRequest(req: Request, res: Response, seconds: number): void {
  requestsInFlight.count--;
  seriesOf(
    METHODS.has(req.method) ? req.method : 'OTHER',
    routeTemplate(req),
    // A client that went away before the answer: no status was sent.
    res.headersSent ? statusClassOf(res.statusCode) : 'aborted',
  ).observe(seconds);
}

const countArrival = (): void => {
  requestsInFlight.count++;
};

/**
 * The request metrics, as a watcher of the access log's middleware (one middleware and one
 * listener per request for both); it also starts the pool gauges for this database and the
 * process collectors (event-loop lag, memory, CPU, GC), once per process.
 */
export function requestMetrics(pool: Pool): RequestWatcher {
  collectProcessMetrics();
  observePool(pool);
  return { start: countArrival, end: recordRequest };
}
