/**
 * Whether tracing is on, without loading the SDK: src/telemetry/tracing.ts (the SDK) is only
 * loaded when the standard OpenTelemetry variables ask for traces.
 */

/**
 * An exporter (OTEL_TRACES_EXPORTER other than `none`) or an OTLP endpoint is set, and
 * OTEL_SDK_DISABLED is not true.
 */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  const value = (name: string): string => env[name]?.trim().toLowerCase() ?? '';
  if (value('OTEL_SDK_DISABLED') === 'true') return false;
  const exporters = value('OTEL_TRACES_EXPORTER')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (exporters.length) return !exporters.every((e) => e === 'none');
  return Boolean(value('OTEL_EXPORTER_OTLP_ENDPOINT') || value('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'));
}

let stop: (() => Promise<void>) | undefined;

/** Set by startTracing: how to flush and stop the SDK. */
export function onStopTracing(fn: () => Promise<void>): void {
  stop = fn;
}

/** Exports the spans still buffered and stops the SDK; does nothing when tracing is off. */
export async function stopTracing(): Promise<void> {
  const running = stop;
  stop = undefined;
  await running?.();
}
