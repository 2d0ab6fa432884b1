/** Reading this process's metrics registry in tests. */
import type { MetricValue } from 'prom-client';
import { registry } from '../../src/telemetry/metrics';

/** The sum of a metric's samples whose labels include `labels` (`_count`, `_bucket`… by full name). */
export async function valueOf(name: string, labels: Record<string, string> = {}): Promise<number> {
  const base = name.replace(/_(count|sum|bucket)$/, '');
  const metric = registry.getSingleMetric(base);
  if (!metric) throw new Error(`no metric ${base}`);
  const { values } = (await metric.get()) as { values: Array<MetricValue<string> & { metricName?: string }> };
  return values
    .filter((v) => (v.metricName ?? base) === name && Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}
