/**
 * Long polling of claims: a claim that found no work waits, holding no database connection, until
 * a run is queued (a trigger on "AlgoRun" NOTIFYs RUNS_CHANNEL: migration 20261129154648_algo_runs),
 * until its own re-poll time, or until its deadline. Each instance LISTENs on one connection of its
 * own (src/db/notifications.ts: reconnects, and counts as live only while its probes come back).
 * Re-polling covers what no notification announces (a retried run whose backoff has passed) and
 * a listener that is down: every POLL_LIVE_MS while live, every POLL_DOWN_MS otherwise.
 */
import type pg from 'pg';
import { logger } from '../core/logging';
import { listen, type NotificationListener } from '../db/notifications';
import { parsePgUrl } from '../db/pg-url';

export const RUNS_CHANNEL = 'backendapi_runs';
export const POLL_LIVE_MS = 5_000;
export const POLL_DOWN_MS = 1_000;

export class RunWakeups {
  private readonly waiters = new Set<() => void>();
  private closed = false;
  /** Whether notifications are known to arrive (then waits re-poll less often). */
  live = false;

  get isClosed(): boolean {
    return this.closed;
  }

  get waiting(): number {
    return this.waiters.size;
  }

  /** How long a waiting claim sleeps before it looks again by itself. */
  get pollMs(): number {
    return this.live ? POLL_LIVE_MS : POLL_DOWN_MS;
  }

  /** Wakes every waiting claim (a run was queued). */
  wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves after `ms`, or at once on a wake-up, on close() or when `signal` aborts. */
  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Ends every wait now and every later one at once (the instance is shutting down). */
  close(): void {
    this.closed = true;
    this.wake();
  }
}

export interface RunWakeupService {
  wakeups: RunWakeups;
  listener: NotificationListener;
  close(): Promise<void>;
}

/** The wake-ups of one instance, fed by its LISTEN connection (not on PGlite: one session only). */
export function startRunWakeups(options: { url: string; pool: pg.Pool; probeTimeoutMs?: number }): RunWakeupService {
  const wakeups = new RunWakeups();
  const { schema } = parsePgUrl(options.url);
  const listener = listen({
    url: options.url,
    channel: RUNS_CHANNEL,
    applicationName: 'backendapi-runs-listener',
    notify: (channel, payload) => options.pool.query('SELECT pg_notify($1, $2)', [channel, payload]),
    ...(options.probeTimeoutMs ? { probeTimeoutMs: options.probeTimeoutMs } : {}),
  });
  listener.events.on('live', (live: boolean) => {
    wakeups.live = live;
    if (!live) logger.warn('run notifications are down: waiting claims look for work every second until they are back');
  });
  listener.events.on('notification', (payload: string) => {
    if (payload === schema) wakeups.wake();
  });
  return {
    wakeups,
    listener,
    async close() {
      wakeups.close();
      await listener.close();
    },
  };
}
