/**
 * A child process for the tracing tests: starts tracing with the SDK's in-memory exporter
 * through the same function the service uses (src/telemetry/tracing.ts), only then loads the
 * real app (express, pg, Prisma) and serves it on DATABASE_URL. The parent asks over IPC for
 * the spans finished so far. Logs go to stdout as JSON lines.
 */
import { memoryExporter as exporter } from './tracing-memory'; // first: starts tracing
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/core/config';
import { configureLogging } from '../../src/core/logging';
import { connectDatabase } from '../../src/db/connection';
import { createApp } from '../../src/app';

export interface SpanRecord {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  scope: string;
  attributes: Record<string, unknown>;
  status: number;
}

export type HarnessMessage = { type: 'listening'; port: number } | { type: 'spans'; spans: SpanRecord[] };

function main(): void {
  const config = loadConfig();
  configureLogging(config.log);
  const db = connectDatabase({ ...config.database, url: config.database.url as string });
  const server = createApp({ config, db }).listen(0, '127.0.0.1', () => {
    process.send?.({ type: 'listening', port: (server.address() as AddressInfo).port } satisfies HarnessMessage);
  });
  process.on('message', (message: { type?: string }) => {
    if (message.type !== 'spans') return;
    const spans: SpanRecord[] = exporter.getFinishedSpans().map((s) => ({
      name: s.name,
      kind: s.kind,
      traceId: s.spanContext().traceId,
      spanId: s.spanContext().spanId,
      parentSpanId: s.parentSpanContext?.spanId,
      scope: s.instrumentationScope.name,
      attributes: { ...s.attributes },
      status: s.status.code,
    }));
    process.send?.({ type: 'spans', spans } satisfies HarnessMessage);
  });
  process.on('disconnect', () => {
    server.close();
    void db.close().finally(() => process.exit(0));
  });
}

main();
