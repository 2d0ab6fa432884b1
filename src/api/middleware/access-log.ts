import type { RequestHandler } from 'express';
import { logger } from '../../core/logging';

/** One line per request: method, path (no query string: it may carry filters on personal data), status, duration. */
export const accessLog: RequestHandler = (req, res, next) => {
  const started = process.hrtime.bigint();
  // Read now: inside a router req.path is relative to its mount point (`/sessions`).
  const path = req.path;
  res.on('finish', () => {
    const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
    const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'http';
    logger.log(level, `${req.method} ${path} ${res.statusCode} ${durationMs.toFixed(1)}ms`, {
      method: req.method,
      path,
      status: res.statusCode,
      durationMs: Math.round(durationMs * 10) / 10,
      requestId: res.locals.requestId as string,
    });
  });
  next();
};
