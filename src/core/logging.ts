/**
 * The one logger. JSON lines in production, readable lines otherwise; every line written
 * while a request is handled carries its request id and, when tracing is on, the trace and
 * span it belongs to (trace_id, span_id, trace_flags). Secrets are never passed to it:
 * request bodies and headers are not logged, and known secret keys are redacted anyway.
 */
import winston from 'winston';
import { currentRequestId } from './context';
import { activeTraceIds } from '../telemetry/spans';
import type { Config } from './config';

const SECRET_KEYS = /pass(word)?|secret|token|authorization|cookie|api[-_]?key/i;

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_KEYS.test(key)) info[key] = '[redacted]';
  }
  return info;
});

const withRequestId = winston.format((info) => {
  const requestId = currentRequestId();
  if (requestId && info.requestId === undefined) info.requestId = requestId;
  if (info.trace_id === undefined) Object.assign(info, activeTraceIds());
  return info;
});

const pretty = winston.format.printf((info) => {
  const { level, message, timestamp, requestId, ...rest } = info;
  const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
  const rid = requestId ? ` [${String(requestId)}]` : '';
  return `${String(timestamp)} ${level}${rid} ${String(message)}${extra}`;
});

function formatFor(kind: Config['log']['format']): winston.Logform.Format {
  const base = [withRequestId(), redact(), winston.format.timestamp()];
  return kind === 'json'
    ? winston.format.combine(...base, winston.format.errors({ stack: true }), winston.format.json())
    : winston.format.combine(...base, winston.format.colorize(), pretty);
}

export const logger = winston.createLogger({
  level: 'info',
  format: formatFor(process.env.NODE_ENV === 'production' ? 'json' : 'pretty'),
  transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
});

/** Applies the configured level and format to the one logger. */
export function configureLogging(log: Config['log']): void {
  logger.silent = log.level === 'silent';
  if (log.level !== 'silent') logger.level = log.level;
  logger.format = formatFor(log.format);
}

export type Logger = winston.Logger;
