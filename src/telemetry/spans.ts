/**
 * Spans of our own, through @opentelemetry/api only: without a started SDK, or in a request
 * whose trace is not sampled, they cost a look-up of the active span and record nothing.
 */
import { SpanStatusCode, context, isSpanContextValid, trace, type Span } from '@opentelemetry/api';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

const tracer = trace.getTracer('backendapi');

function endSpan(span: Span, err?: unknown): void {
  if (err !== undefined && err !== null && err !== 'route' && err !== 'router') {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  }
  span.end();
}

/**
 * Runs an Express middleware in a span of its own (e.g. `auth.authenticate`): the span holds
 * whatever the middleware does (queries, cache look-ups) and ends when it calls next() or
 * fails. What runs after next() runs in the parent's context, not under this span.
 */
export function traced(name: string, handler: RequestHandler): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    // A request whose trace is not sampled (or tracing off): a span would record nothing.
    if (!trace.getActiveSpan()?.isRecording()) return handler(req, res, next);
    const parent = context.active();
    return tracer.startActiveSpan(name, (span) => {
      let ended = false;
      const end = (err?: unknown): void => {
        if (ended) return;
        ended = true;
        endSpan(span, err);
      };
      const proceed: NextFunction = (err?: unknown) => {
        end(err);
        context.with(parent, () => next(err));
      };
      try {
        const result: unknown = handler(req, res, proceed);
        if (result instanceof Promise) {
          return result.then(
            () => end(),
            (err: unknown) => {
              end(err);
              throw err;
            },
          );
        }
        end();
        return result;
      } catch (err) {
        end(err);
        throw err;
      }
    });
  };
}

/** The active span's ids, for log lines (`trace_id`, `span_id`, `trace_flags` as in OpenTelemetry's log model). */
export function activeTraceIds(): { trace_id: string; span_id: string; trace_flags: string } | undefined {
  const span = trace.getSpanContext(context.active());
  if (!span || !isSpanContextValid(span)) return undefined;
  return { trace_id: span.traceId, span_id: span.spanId, trace_flags: `0${span.traceFlags.toString(16)}` };
}

/** Puts the request id on the request's span (the HTTP server span), so a trace can be found from it. */
export function tagRequestSpan(requestId: string): void {
  trace.getActiveSpan()?.setAttribute('backendapi.request_id', requestId);
}
