import { Counter, Histogram, Registry } from 'prom-client';
import { SeriesCounter, SeriesHistogram } from '../../src/telemetry/series';

const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The exposition's lines, sorted (the two registries may list series in another order). */
const lines = async (registry: Registry): Promise<string[]> => (await registry.metrics()).split('\n').filter(Boolean).sort();

/** getMetricsAsJSON(), with metrics and values in a fixed order (without prom-client's empty exemplars). */
const asJson = async (registry: Registry): Promise<unknown> => {
  const key = (v: { metricName?: string; labels: object }): string =>
    `${v.metricName ?? ''} ${JSON.stringify(Object.entries(v.labels).sort())}`;
  return (await registry.getMetricsAsJSON())
    .map(({ name, help, type, aggregator, values }) => ({
      ...{ name, help, type, aggregator },
      // getMetricsAsJSON() is typed without metricName, which histograms' values carry.
      values: (values as Array<{ labels: object; value: number; metricName?: string }>)
        .map(({ labels, value, metricName }) => ({ labels, value, metricName }))
        .sort((a, b) => key(a).localeCompare(key(b))),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
};

describe('series histograms (the request path’s metrics)', () => {
  it('when the same observations go to one and to prom-client’s own Histogram and Counter, then the scraped text is the same', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const hist = new SeriesHistogram('t_duration_seconds', 'A help text with a \\ and a\nnewline', ['method', 'route'], BOUNDS).register(
      ours,
    );
    new SeriesCounter('t_requests_total', 'Requests', hist).register(ours);
    const refHist = new Histogram({
      name: 't_duration_seconds',
      help: 'A help text with a \\ and a\nnewline',
      labelNames: ['method', 'route'],
      buckets: BOUNDS,
      registers: [theirs],
    });
    const refCount = new Counter({ name: 't_requests_total', help: 'Requests', labelNames: ['method', 'route'], registers: [theirs] });

    // Values on the bounds, between them, above the last, zero; a label value that needs escaping.
    const values = [0, 0.005, 0.0051, 0.01, 0.3, 1, 9.99, 10, 10.01, 250];
    const labelSets: Array<[string, string]> = [
      ['GET', '/api/v1/recordings/:id'],
      ['POST', 'a "quoted" \\ route'],
    ];
    labelSets.forEach(([method, route], n) => {
      const series = hist.series(method, route);
      for (const v of values.slice(n)) {
        series.observe(v);
        refHist.observe({ method, route }, v);
        refCount.inc({ method, route });
      }
    });

    expect(await lines(ours)).toEqual(await lines(theirs));
    expect(await asJson(ours)).toEqual(await asJson(theirs));
    expect(await lines(ours)).toContain('t_duration_seconds_bucket{le="0.005",method="GET",route="/api/v1/recordings/:id"} 2');
  });

  it('when a series is asked for twice, then the same one comes back; a wrong number of label values is refused', () => {
    const hist = new SeriesHistogram('t2_seconds', 'h', ['operation'], [1]);
    expect(hist.series('SELECT')).toBe(hist.series('SELECT'));
    expect(hist.series('SELECT')).not.toBe(hist.series('INSERT'));
    expect(() => hist.series('a', 'b')).toThrow('1 label values expected, got 2');
  });

  it('when a value is not a finite number, then it is not counted (prom-client would throw on the request path)', async () => {
    const registry = new Registry();
    const hist = new SeriesHistogram('t3_seconds', 'h', ['k'], [1]).register(registry);
    const series = hist.series('v');
    series.observe(Number.NaN);
    series.observe(Number.POSITIVE_INFINITY);
    series.observe(0.5);
    expect(await lines(registry)).toEqual(
      [
        '# HELP t3_seconds h',
        '# TYPE t3_seconds histogram',
        't3_seconds_bucket{le="1",k="v"} 1',
        't3_seconds_bucket{le="+Inf",k="v"} 1',
        't3_seconds_sum{k="v"} 0.5',
        't3_seconds_count{k="v"} 1',
      ].sort(),
    );
  });

  it('when the registry is reset, then every series reads zero and keeps counting', async () => {
    const registry = new Registry();
    const hist = new SeriesHistogram('t4_seconds', 'h', ['k'], [1]).register(registry);
    new SeriesCounter('t4_total', 'c', hist).register(registry);
    const series = hist.series('v');
    series.observe(2);
    registry.resetMetrics();
    expect(await lines(registry)).toContain('t4_total{k="v"} 0');
    series.observe(0.25);
    expect(await lines(registry)).toEqual(
      expect.arrayContaining(['t4_total{k="v"} 1', 't4_seconds_bucket{le="1",k="v"} 1', 't4_seconds_sum{k="v"} 0.25']),
    );
  });

  it('when the bounds are not increasing, then the histogram is refused', () => {
    expect(() => new SeriesHistogram('t5', 'h', [], [1, 1])).toThrow('bucket bounds must be finite and increasing');
    expect(() => new SeriesHistogram('t6', 'h', [], [1, Number.POSITIVE_INFINITY])).toThrow('finite');
  });
});
