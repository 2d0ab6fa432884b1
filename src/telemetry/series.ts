/**
 * Histograms for the request path: an observation adds to a few plain numbers, and prom-client
 * builds the exposition from them when /metrics is scraped.
 *
 * Why not prom-client's Histogram there: each of its observe() and inc() calls validates the
 * labels, builds a key string and looks the series up by it, and finds the bucket through a
 * property named by a number. On GET by id (two observations and an increment per request) that
 * was the larger part of what metrics cost (docs/operations.md, "What it costs"). The series here
 * are found once per label set and kept by the callers, so an observation is a bucket search and
 * three additions.
 *
 * The objects registered with the registry carry what prom-client's registry reads from a
 * metric (name, help, type, aggregator, get, getForPromString, reset): the shape prom-client's own
 * AggregatorRegistry registers, so the text format, escaping and content type stay prom-client's.
 */
import type { Metric, Registry } from 'prom-client';

/** One line of the exposition, as prom-client's registry reads it. */
interface Sample {
  labels: Record<string, string | number>;
  /** Labels common to many lines (a series' labels on each of its buckets): the registry formats them once per object. */
  sharedLabels?: Record<string, string>;
  value: number;
  /** `<name>_bucket`, `_sum` or `_count` for a histogram's lines. */
  metricName?: string;
}

type Labels = Record<string, string>;

/** One label set of a histogram. */
export class HistogramSeries {
  /** Observations per bucket, not cumulative; the last one is above every bound (le="+Inf"). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    private readonly bounds: readonly number[],
    readonly labels: Labels,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Adds one observation; as in Prometheus, a bucket counts the values less than or equal to its bound. */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const { bounds } = this;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/** What a scrape reads from a metric: prom-client's getMetricsAsJSON() shape. */
interface Snapshot {
  name: string;
  help: string;
  type: 'histogram' | 'counter';
  aggregator: 'sum';
  values: Sample[];
}

abstract class Collectable {
  readonly aggregator = 'sum' as const;
  abstract readonly type: 'histogram' | 'counter';

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  /** The lines of the exposition; `shared`: a series' labels as `sharedLabels` rather than copied into each line. */
  protected abstract values(shared: boolean): Sample[];

  /** Called by prom-client's registry.resetMetrics() on every registered metric. */
  abstract reset(): void;

  /** The metric with its values (the shape of prom-client's getMetricsAsJSON()). */
  get(): Promise<Snapshot> {
    return Promise.resolve(this.snapshot(false));
  }

  /** What the registry formats at each scrape, when a metric has it (as prom-client's Histogram does). */
  getForPromString(): Promise<Snapshot> {
    return Promise.resolve(this.snapshot(true));
  }

  private snapshot(shared: boolean): Snapshot {
    const { name, help, type, aggregator } = this;
    return { name, help, type, aggregator, values: this.values(shared) };
  }

  /** Registers with a prom-client registry (typed there as one of prom-client's own metric classes). */
  register(registry: Registry): this {
    registry.registerMetric(this as unknown as Metric);
    return this;
  }
}

/** A histogram whose series are kept by the code that observes (label values from bounded sets only). */
export class SeriesHistogram extends Collectable {
  readonly type = 'histogram' as const;
  private readonly all = new Map<string, HistogramSeries>();

  constructor(
    name: string,
    help: string,
    private readonly labelNames: readonly string[],
    private readonly bounds: readonly number[],
  ) {
    super(name, help);
    if (bounds.some((b, i) => !Number.isFinite(b) || (i > 0 && b <= (bounds[i - 1] as number)))) {
      throw new Error(`${name}: bucket bounds must be finite and increasing`);
    }
  }

  /** The series of these label values (in the order of the label names), created at first use. */
  series(...labelValues: string[]): HistogramSeries {
    if (labelValues.length !== this.labelNames.length) {
      throw new Error(`${this.name}: ${this.labelNames.length} label values expected, got ${labelValues.length}`);
    }
    const key = labelValues.join('\u0000');
    let found = this.all.get(key);
    if (!found) {
      const labels = Object.fromEntries(this.labelNames.map((n, i) => [n, labelValues[i] as string]));
      this.all.set(key, (found = new HistogramSeries(this.bounds, labels)));
    }
    return found;
  }

  /** Every series, in the order they were created. */
  allSeries(): IterableIterator<HistogramSeries> {
    return this.all.values();
  }

  protected values(shared: boolean): Sample[] {
    const out: Sample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const s of this.all.values()) {
      let cumulative = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        cumulative += s.counts[i] as number;
        const le = i < this.bounds.length ? (this.bounds[i] as number) : '+Inf';
        out.push(
          shared
            ? { labels: { le }, sharedLabels: s.labels, value: cumulative, metricName: bucket }
            : { labels: { le, ...s.labels }, value: cumulative, metricName: bucket },
        );
      }
      out.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      out.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return out;
  }

  /** Zeroes every series (prom-client's registry.resetMetrics()); the series stay, as callers keep them. */
  reset(): void {
    for (const s of this.all.values()) s.reset();
  }
}

/** A counter read from a histogram's observation counts, so that counting costs nothing more per event. */
export class SeriesCounter extends Collectable {
  readonly type = 'counter' as const;

  constructor(
    name: string,
    help: string,
    private readonly of: SeriesHistogram,
  ) {
    super(name, help);
  }

  protected values(): Sample[] {
    return [...this.of.allSeries()].map((s) => ({ labels: s.labels, value: s.count }));
  }

  reset(): void {
    this.of.reset();
  }
}
