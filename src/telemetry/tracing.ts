/**
 * OpenTelemetry tracing through the SDK (@opentelemetry/sdk-node) with the HTTP, pg and Prisma
 * instrumentations. It is configured by the standard OTEL_* variables only
 * (exporter, endpoint, protocol, service name, sampler, resource attributes): see
 * docs/operations.md. This module is loaded only when tracing was asked for
 * (src/telemetry/preload.ts), so without those variables nothing is loaded or patched.
 */
import type { IncomingMessage } from 'node:http';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import type { Span } from '@opentelemetry/api';
import { prismaInstrumentation } from './prisma-instrumentation';
import { UNMATCHED_ROUTE, routeTemplate } from './route-template';
import { onStopTracing } from './tracing-switch';

/**
 * Query strings may carry filters on personal data (`email=…`): spans keep the parameter names
 * and drop every value, as the access log drops the query string.
 */
export function redactQuery(query: string): string {
  return [...new URLSearchParams(query).keys()].map((name) => `${encodeURIComponent(name)}=REDACTED`).join('&');
}

function redactIncomingQuery(span: Span, request: unknown): void {
  const url = (request as IncomingMessage).url;
  const at = url?.indexOf('?') ?? -1;
  if (url && at >= 0) span.setAttribute('url.query', redactQuery(url.slice(at + 1)));
}

/**
 * Names the HTTP server span by the route that answered (`GET /api/v1/recordings/:id`, and
 * `http.route`), as the Express instrumentation would: the request is Express's own `req` by the
 * time the response ends. Unsampled spans record nothing, so they are left alone.
 */
function nameByRoute(span: Span, request: unknown): void {
  if (!span.isRecording()) return;
  const route = routeTemplate(request as { route?: unknown; app?: unknown });
  if (route === UNMATCHED_ROUTE) return;
  span.setAttribute('http.route', route);
  span.updateName(`${(request as IncomingMessage).method ?? 'GET'} ${route}`);
}

export function instrumentations(): NonNullable<NodeSDKConfiguration['instrumentations']> {
  return [
    new HttpInstrumentation({
      // Scrapes of the metrics port are not part of any request worth a trace.
      ignoreIncomingRequestHook: (req) => req.url === '/metrics',
      requestHook: redactIncomingQuery,
      applyCustomAttributesOnSpan: nameByRoute,
    }),
    // No Express instrumentation: it wraps every middleware and router layer and works out the
    // route at each one, for every request, sampled or not (the largest part of the cost of
    // tracing at 1 %: docs/operations.md). The route is set on the HTTP span above instead.
    // Statements only, never their parameter values (enhancedDatabaseReporting stays off); a
    // statement outside any request (workers' polling) starts no trace of its own.
    new PgInstrumentation({ enhancedDatabaseReporting: false, requireParentSpan: true }),
    prismaInstrumentation(),
  ];
}

let started = false;

/**
 * Starts the SDK: instrumentations first, so that modules required afterwards are patched.
 * `spanProcessors` replaces the exporter chosen by OTEL_TRACES_EXPORTER (tests use the SDK's
 * in-memory exporter). Metrics stay with Prometheus (src/telemetry/metrics.ts) and logs with
 * winston unless OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER ask otherwise.
 */
export function startTracing(options: Pick<NodeSDKConfiguration, 'spanProcessors'> = {}): void {
  if (started) return;
  started = true;
  process.env.OTEL_SERVICE_NAME ??= 'backendapi';
  const sdk = new NodeSDK({
    instrumentations: instrumentations(),
    ...(options.spanProcessors ? { spanProcessors: options.spanProcessors } : {}),
    ...(process.env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
    ...(process.env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
  });
  sdk.start();
  onStopTracing(() => sdk.shutdown());
}
