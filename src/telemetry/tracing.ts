/**
 * OpenTelemetry tracing through the SDK (@opentelemetry/sdk-node) with the HTTP, Express, pg
 * and Prisma instrumentations. It is configured by the standard OTEL_* variables only
 * (exporter, endpoint, protocol, service name, sampler, resource attributes): see
 * docs/operations.md. This module is loaded only when tracing was asked for
 * (src/telemetry/preload.ts), so without those variables nothing is loaded or patched.
 */
import type { IncomingMessage } from 'node:http';
import { NodeSDK, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import type { Span } from '@opentelemetry/api';
import { prismaInstrumentation } from './prisma-instrumentation';
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

export function instrumentations(): NonNullable<NodeSDKConfiguration['instrumentations']> {
  return [
    new HttpInstrumentation({
      // Scrapes of the metrics port are not part of any request worth a trace.
      ignoreIncomingRequestHook: (req) => req.url === '/metrics',
      requestHook: redactIncomingQuery,
    }),
    // Only route handlers get spans: router layers would be empty spans that end at once, and
    // the app-wide middleware (request id, helmet, CORS, body parser) take microseconds. Our own
    // spans mark the steps worth seeing (auth.authenticate).
    new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.ROUTER, ExpressLayerType.MIDDLEWARE] }),
    // Statements only, never their parameter values (enhancedDatabaseReporting stays off).
    new PgInstrumentation({ enhancedDatabaseReporting: false }),
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
