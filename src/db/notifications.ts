/**
 * A PostgreSQL LISTEN connection of its own, kept open: it reconnects with backoff when it
 * drops, and it says it is live only once a NOTIFY sent through another connection (the app's
 * pool) has actually come back on it — so a pooler that cannot carry notifications (PgBouncer in
 * transaction mode) or a dead connection that has not noticed yet reads as down, never as a
 * listener that silently hears nothing. The probe repeats every `probeEveryMs`; one that has not
 * come back `probeTimeoutMs` after its NOTIFY committed, or could not be sent, drops the
 * connection (and so the cache) until a new one passes.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { parsePgUrl, quoteIdent } from './pg-url';

export interface ListenerOptions {
  url: string;
  channel: string;
  /** Sends a NOTIFY through another connection (the app's pool). */
  notify(channel: string, payload: string): Promise<unknown>;
  applicationName?: string;
  /** How often delivery is checked while up (ms). */
  probeEveryMs?: number;
  /** How long a probe may take to come back before the listener counts as down (ms). */
  probeTimeoutMs?: number;
  /** Reconnect backoff: first delay, doubling up to the last (ms). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

export const PROBE_PREFIX = 'probe:';

interface Probe {
  payload: string;
  /** Set once the probe's NOTIFY has committed. */
  timeout?: NodeJS.Timeout;
}

export interface NotificationListener {
  /**
   * 'live' (boolean) on every change, 'notification' (payload) for every message but probes,
   * 'connected' (backend pid) each time LISTEN is in place, before the first probe.
   */
  readonly events: EventEmitter;
  readonly live: boolean;
  /** The listening backend's pid while connected (for tests and operators). */
  readonly backendPid: number | undefined;
  close(): Promise<void>;
}

export function listen(options: ListenerOptions): NotificationListener {
  const probeEveryMs = options.probeEveryMs ?? 10_000;
  const probeTimeoutMs = options.probeTimeoutMs ?? 5_000;
  const minDelay = options.reconnectMinMs ?? 500;
  const maxDelay = options.reconnectMaxMs ?? 10_000;
  const events = new EventEmitter();
  const instance = randomUUID();
  let client: pg.Client | undefined;
  let live = false;
  let closed = false;
  let delay = minDelay;
  let backendPid: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let pending: Probe | undefined;
  let probes = 0;

  const setLive = (value: boolean): void => {
    if (live === value) return;
    live = value;
    events.emit('live', value);
  };

  const schedule = (fn: () => void, ms: number): void => {
    clearTimeout(timer);
    if (!closed) timer = setTimeout(fn, ms).unref();
  };

  function drop(current: pg.Client): void {
    if (client !== current) return;
    client = undefined;
    backendPid = undefined;
    if (pending) clearTimeout(pending.timeout);
    pending = undefined;
    setLive(false);
    current.end().catch(() => undefined);
    schedule(connect, delay);
    delay = Math.min(delay * 2, maxDelay);
  }

  function probe(current: pg.Client): void {
    if (client !== current || pending) return;
    const payload = `${PROBE_PREFIX}${instance}:${++probes}`;
    const sent: Probe = { payload };
    pending = sent;
    // The clock starts once the NOTIFY has committed, so time spent waiting for a pool
    // connection under load does not count; a NOTIFY that cannot be sent (the pool gave up
    // waiting, the database is down) counts as a lost probe.
    options.notify(options.channel, payload).then(
      () => {
        if (pending === sent) sent.timeout = setTimeout(() => drop(current), probeTimeoutMs).unref();
      },
      () => {
        if (pending === sent) drop(current);
      },
    );
  }

  async function connect(): Promise<void> {
    if (closed) return;
    const current = new pg.Client({
      ...parsePgUrl(options.url).config,
      application_name: options.applicationName ?? 'backendapi-listener',
      keepAlive: true,
      connectionTimeoutMillis: 10_000,
    });
    client = current;
    current.on('error', () => drop(current));
    current.on('end', () => drop(current));
    current.on('notification', (msg) => {
      if (msg.channel !== options.channel || client !== current) return;
      const payload = msg.payload ?? '';
      if (!payload.startsWith(PROBE_PREFIX)) {
        events.emit('notification', payload);
      } else if (pending?.payload === payload) {
        clearTimeout(pending.timeout);
        pending = undefined;
        delay = minDelay;
        setLive(true);
        schedule(() => probe(current), probeEveryMs);
      }
    });
    try {
      await current.connect();
      await current.query(`LISTEN ${quoteIdent(options.channel)}`);
      backendPid = (await current.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      events.emit('connected', backendPid);
      probe(current);
    } catch {
      drop(current);
    }
  }

  void connect();
  return {
    events,
    get live() {
      return live;
    },
    get backendPid() {
      return backendPid;
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      if (pending) clearTimeout(pending.timeout);
      const current = client;
      client = undefined;
      setLive(false);
      await current?.end().catch(() => undefined);
    },
  };
}
