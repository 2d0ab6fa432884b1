/**
 * Imported first by src/main.ts, before anything that loads http or pg: the OpenTelemetry
 * instrumentations patch those modules when they are required, so tracing must start before. Without OTEL_* variables that ask for traces, this loads nothing more.
 */
import { loadDotenv } from '../core/dotenv';
import { tracingRequested } from './tracing-switch';

loadDotenv();
if (tracingRequested(process.env)) {
  if (Object.keys(require.cache).some((file) => file.includes('/node_modules/pg/'))) {
    process.emitWarning('pg was loaded before tracing started: its spans will be missing');
  }
  // Required here, not imported at the top: the SDK and its exporters are only loaded when used.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./tracing') as typeof import('./tracing')).startTracing();
}
