/**
 * Imported first by src/main.ts, before anything that loads http, express or pg: the
 * OpenTelemetry instrumentations patch those modules when they are required, so tracing
 * must start before. Without OTEL_* variables that ask for traces, this loads nothing more.
 */
import { loadDotenv } from '../core/dotenv';
import { tracingRequested } from './tracing-switch';

loadDotenv();
if (tracingRequested(process.env)) {
  const late = ['express', 'pg'].filter((name) => Object.keys(require.cache).some((file) => file.includes(`/node_modules/${name}/`)));
  if (late.length) {
    process.emitWarning(`${late.join(' and ')} were loaded before tracing started: their spans will be missing`);
  }
  // Required here, not imported at the top: the SDK and its exporters are only loaded when used.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('./tracing') as typeof import('./tracing')).startTracing();
}
