import type { Request, RequestHandler, Response } from 'express';
import { logger } from '../../core/logging';

/** What else follows each request from its arrival to its end: the request metrics (src/telemetry/http-metrics.ts). */
export interface RequestWatcher {
  /** A request arrived. */
  start(): void;
  /** Its response was sent, or the client went away first; `seconds` after it arrived. */
  end(req: Request, res: Response, seconds: number): void;
}

/**
 * The access log: one line per request, with method, path (no query string: it may carry
 * filters on personal data), status and duration; a request whose client went away before the
 * response was complete is logged as aborted. At `http` level, below the default `info`, so the
 * line is only built when that level is on (winston formats a line before its transport drops it).
 *
 * The request metrics, when on, ride on the same middleware and 'close' listener: they run for
 * every request, and an extra router layer, listener and clock read per request measurably
 * lowered throughput (docs/operations.md "What it costs").
 */
export function accessLog(watcher?: RequestWatcher): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    // Read now: inside a router req.path is relative to its mount point (`/sessions`).
    const path = req.path;
    watcher?.start();
    res.on('close', () => {
      const ms = performance.now() - started;
      log(req, res, path, ms);
      watcher?.end(req, res, ms / 1e3);
    });
    next();
  };
}

function log(req: Request, res: Response, path: string, ms: number): void {
  const status = res.statusCode;
  // 'close' without the response having been handed over in full: the client went away first.
  const aborted = !res.writableFinished;
  const level = aborted ? 'http' : status >= 500 ? 'error' : status >= 400 ? 'warn' : 'http';
  if (!logger.isLevelEnabled(level)) return;
  const sent = !aborted || res.headersSent;
  logger.log(level, `${req.method} ${path} ${aborted ? 'aborted by the client after' : status} ${ms.toFixed(1)}ms`, {
    method: req.method,
    path,
    ...(sent ? { status } : {}),
    ...(aborted ? { aborted: true } : {}),
    durationMs: Math.round(ms * 10) / 10,
    requestId: res.locals.requestId as string | undefined,
  });
}
