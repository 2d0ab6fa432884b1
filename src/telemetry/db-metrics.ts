/**
 * Database metrics: the connection pool's size, connections in use and callers waiting (read
 * at scrape time), and the duration of every SQL statement sent through the pool.
 */
import pg from 'pg';
import { ConnectErrorClient } from '../db/connect-errors';
import { Gauge } from 'prom-client';
import { dbQueryDuration, registry } from './metrics';
import type { HistogramSeries } from './series';

const pools = new Set<pg.Pool>();

/** Pools of this process that are still open; an ended pool drops out at the next scrape. */
function openPools(): pg.Pool[] {
  for (const pool of pools) if (pool.ended || pool.ending) pools.delete(pool);
  return [...pools];
}

function poolGauge(name: string, help: string, read: (pool: pg.Pool) => number): void {
  new Gauge({
    name: `backendapi_db_pool_${name}`,
    help,
    registers: [registry],
    collect() {
      this.set(openPools().reduce((sum, pool) => sum + read(pool), 0));
    },
  });
}

poolGauge('max', 'Connections the pool may open (DATABASE_POOL_SIZE)', (pool) => pool.options.max ?? 10);
poolGauge('connections', 'Connections the pool holds open', (pool) => pool.totalCount);
poolGauge(
  'connections_in_use',
  'Connections checked out of the pool (running a query or a transaction)',
  (p) => p.totalCount - p.idleCount,
);
poolGauge('waiting', 'Callers waiting for a connection because all are in use', (pool) => pool.waitingCount);

/** Adds a pool to the gauges (several apps in one process add up). */
export function observePool(pool: pg.Pool): void {
  pools.add(pool);
}

const OPERATIONS = new Set(['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'WITH', 'BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT', 'RELEASE', 'SET']);

const byOperation = new Map<string, HistogramSeries>();
const durationOf = (operation: string): HistogramSeries => {
  let found = byOperation.get(operation);
  if (!found) byOperation.set(operation, (found = dbQueryDuration.series(operation)));
  return found;
};

/** The statement's first keyword, from a fixed set (the label must not carry SQL text). */
export function operationOf(sql: unknown): string {
  if (typeof sql !== 'string') return 'OTHER';
  // Scanned by hand: this runs for every statement, and a regular expression costs more here.
  let start = 0;
  while (start < sql.length && sql.charCodeAt(start) <= 32) start++;
  let end = start;
  while (end < sql.length && end - start < 10) {
    const c = sql.charCodeAt(end) | 32; // lower case for letters
    if (c < 97 || c > 122) break;
    end++;
  }
  const word = end - start < 10 ? sql.slice(start, end).toUpperCase() : '';
  return OPERATIONS.has(word) ? word : 'OTHER';
}

type QueryArgs = [config: unknown, values?: unknown, callback?: unknown];
type Callback = (err: Error | null, result: unknown) => void;

/**
 * A pg.Client that times each query (for `new pg.Pool({ Client: TimedClient })`): promise and
 * callback forms. Query objects with a submit() of their own (cursors, streams) pass untimed.
 * It calls pg.Client.prototype.query when the query runs, so the pg instrumentation's patch of
 * it (tracing) still applies.
 */
export class TimedClient extends ConnectErrorClient {}

function timedQuery(this: pg.Client, ...args: QueryArgs): unknown {
  const query = pg.Client.prototype.query as unknown as (this: pg.Client, ...a: QueryArgs) => unknown;
  const [config, values, callback] = args;
  if (config && typeof (config as { submit?: unknown }).submit === 'function') return query.apply(this, args);
  const duration = durationOf(operationOf(typeof config === 'string' ? config : (config as { text?: unknown } | null)?.text));
  const started = performance.now();
  const observe = (): void => duration.observe((performance.now() - started) / 1e3);
  if (typeof values === 'function' || typeof callback === 'function') {
    const cb = (typeof values === 'function' ? values : callback) as Callback;
    const timed: Callback = (err, result) => {
      observe();
      cb(err, result);
    };
    return typeof values === 'function' ? query.call(this, config, timed) : query.call(this, config, values, timed);
  }
  const result = query.apply(this, args) as Promise<unknown> | undefined;
  if (typeof result?.then === 'function') result.then(observe, observe);
  return result;
}

TimedClient.prototype.query = timedQuery as unknown as pg.Client['query'];
