/**
 * Request metrics: count, latency and in-flight requests by method, route template and status
 * class, and idempotent replays. Mounted first in createApp, so every request is counted,
 * including the ones answered before routing (401, 413, 415, 429), which have no route.
 */
import type { RequestHandler } from 'express';
import type { Pool } from 'pg';
import { collectProcessMetrics, httpDuration, httpInFlight, httpRequests, idempotencyReplays } from './metrics';
import { observePool } from './db-metrics';
import { routeTemplate } from './route-template';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

interface Series {
  requests: { inc(): void };
  duration: { observe(seconds: number): void };
}
const series = new Map<string, Series>();

/** The counter and histogram children of one label set, kept: labels are hashed once, not per request. */
function seriesOf(method: string, route: string, statusClass: string): Series {
  const key = `${method} ${statusClass} ${route}`;
  let found = series.get(key);
  if (!found) {
    found = { requests: httpRequests.labels(method, route, statusClass), duration: httpDuration.labels(method, route, statusClass) };
    series.set(key, found);
  }
  return found;
}

/**
 * The middleware; it also starts the pool gauges for this database and the process collectors
 * (event-loop lag, memory, CPU, GC), once per process.
 */
export function requestMetrics(pool: Pool): RequestHandler {
  collectProcessMetrics();
  observePool(pool);
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    httpInFlight.inc();
    // One listener: 'close' follows 'finish' when the answer was sent, and comes alone when the
    // client went away first.
    res.once('close', () => {
      httpInFlight.dec();
      const { requests, duration } = seriesOf(
        METHODS.has(req.method) ? req.method : 'OTHER',
        routeTemplate(req),
        // A client that went away before the answer: no status was sent.
        res.headersSent ? `${Math.floor(res.statusCode / 100)}xx` : 'aborted',
      );
      requests.inc();
      duration.observe(Number(process.hrtime.bigint() - started) / 1e9);
      if (res.getHeader('idempotent-replayed') === 'true') idempotencyReplays.inc();
    });
    next();
  };
}
