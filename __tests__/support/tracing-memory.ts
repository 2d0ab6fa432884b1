/**
 * Imported first by the tracing harness, as src/telemetry/preload.ts is by src/main.ts:
 * tracing starts (with the SDK's in-memory exporter) before express, pg and Prisma are loaded.
 */
import { tracing } from '@opentelemetry/sdk-node';
import { startTracing } from '../../src/telemetry/tracing';

export const memoryExporter = new tracing.InMemorySpanExporter();
startTracing({ spanProcessors: [new tracing.SimpleSpanProcessor(memoryExporter)] });
