/**
 * Load without loss: concurrent clients create, update and delete sessions and recordings (some
 * POSTs with an Idempotency-Key, retried, some retries racing the first); afterwards the tables
 * and the event log agree exactly. Run on one app, then on two app instances (two Database
 * handles) sharing the database, as behind a load balancer.
 */
import { randomUUID } from 'node:crypto';
import { truncateAll } from '../support/app';
import { createUser, type TestUser } from '../support/factories';
import { bounded, call, startInstance, type Instance, type Reply } from './support';

const CLIENTS = 6;
const OPS_PER_CLIENT = 60;
/** A hang guard, not the load: each client makes its OPS_PER_CLIENT requests however long a busy machine takes. */
const LOAD_MS = 90_000;

interface Ledger {
  /** Ids returned by 201s, with how many 201s named each (a replay names the same id again). */
  created: Map<string, { type: 'session' | 'recording'; replies: number; idempotent: boolean }>;
  /** Successful PATCHes per id. */
  updates: Map<string, number>;
  deleted: Set<string>;
  statuses: number[];
}

async function client(instances: Instance[], user: TestUser, ledger: Ledger, n: number): Promise<void> {
  const sessions: string[] = [];
  const recordings: string[] = [];
  const pick = (ids: string[]): string | undefined => ids[Math.floor(Math.random() * ids.length)];
  const note = (r: Reply): Reply => (ledger.statuses.push(r.status), r);
  const onCreated = (r: Reply, type: 'session' | 'recording', idempotent: boolean): string | undefined => {
    if (r.status !== 201) return undefined;
    const id = (r.body as { id: string }).id;
    const seen = ledger.created.get(id);
    ledger.created.set(id, { type, replies: (seen?.replies ?? 0) + 1, idempotent: idempotent || Boolean(seen?.idempotent) });
    return seen ? undefined : id;
  };

  await bounded(OPS_PER_CLIENT, LOAD_MS, async (i) => {
    const base = (instances[(n + i) % instances.length] as Instance).base;
    const roll = Math.random();
    const session = pick(sessions);
    if (!session || roll < 0.2) {
      const body = { title: `load ${n}-${i}`, startedAt: '2026-11-26T08:00:00Z' };
      if (i % 3 === 0) {
        // An idempotent POST, retried: sometimes racing the first (replay or 409), then once more after it.
        const key = randomUUID();
        const headers = { 'idempotency-key': key };
        const tries = await Promise.all(
          (i % 2 ? [0, 1] : [0]).map(async (j) =>
            note(await call(instances[j % instances.length]?.base ?? base, 'POST', '/api/v1/sessions', user.token, body, headers)),
          ),
        );
        const retry = note(await call(base, 'POST', '/api/v1/sessions', user.token, body, headers));
        for (const r of [...tries, retry]) {
          const id = onCreated(r, 'session', true);
          if (id) sessions.push(id);
        }
      } else {
        const id = onCreated(note(await call(base, 'POST', '/api/v1/sessions', user.token, body)), 'session', false);
        if (id) sessions.push(id);
      }
    } else if (roll < 0.5) {
      const body = { sessionId: session, name: `rec ${n}-${i}`, modality: 'EEG', format: 'application/x-edf', sizeBytes: '12345' };
      const id = onCreated(note(await call(base, 'POST', '/api/v1/recordings', user.token, body)), 'recording', false);
      if (id) recordings.push(id);
    } else if (roll < 0.75) {
      const [kind, id] = Math.random() < 0.5 && recordings.length ? ['recordings', pick(recordings)] : ['sessions', session];
      const r = note(
        await call(
          base,
          'PATCH',
          `/api/v1/${kind}/${id as string}`,
          user.token,
          kind === 'sessions' ? { notes: `n${i}` } : { durationMs: i },
        ),
      );
      if (r.status === 200) ledger.updates.set(id as string, (ledger.updates.get(id as string) ?? 0) + 1);
    } else if (roll < 0.9 && recordings.length) {
      const id = recordings.splice(Math.floor(Math.random() * recordings.length), 1)[0] as string;
      if (note(await call(base, 'DELETE', `/api/v1/recordings/${id}`, user.token)).status === 204) ledger.deleted.add(id);
    } else {
      // Deleting a session takes its recordings along (each with its own deleted event).
      sessions.splice(sessions.indexOf(session), 1);
      const mine = await call(base, 'GET', `/api/v1/sessions/${session}/recordings?limit=1000&fields=id`, user.token);
      const r = note(await call(base, 'DELETE', `/api/v1/sessions/${session}?cascade=recordings`, user.token));
      if (r.status === 204) {
        ledger.deleted.add(session);
        for (const rec of (mine.body as { data: Array<{ id: string }> }).data) {
          ledger.deleted.add(rec.id);
          if (recordings.includes(rec.id)) recordings.splice(recordings.indexOf(rec.id), 1);
        }
      }
    }
  });
}

async function runAndVerify(instances: Instance[]): Promise<void> {
  const db = (instances[0] as Instance).db;
  await truncateAll(db);
  const users = await Promise.all(Array.from({ length: CLIENTS }, () => createUser(db)));
  const ledger: Ledger = { created: new Map(), updates: new Map(), deleted: new Set(), statuses: [] };
  await Promise.all(users.map((u, n) => client(instances, u, ledger, n)));

  // Only success and, for a retry racing its first request, 409 "still being processed".
  expect(ledger.statuses.filter((s) => ![200, 201, 204, 409].includes(s))).toEqual([]);
  expect(ledger.created.size).toBeGreaterThan(CLIENTS * 3);

  const rows = [
    ...(await db.prisma.session.findMany({ select: { id: true } })).map((r) => ({ id: r.id, type: 'session' })),
    ...(await db.prisma.recording.findMany({ select: { id: true } })).map((r) => ({ id: r.id, type: 'recording' })),
  ];
  const events = await db.prisma.eventLog.findMany({
    where: { entityType: { in: ['session', 'recording'] } },
    orderBy: { id: 'asc' },
    select: { action: true, entityId: true, entityType: true },
  });
  const history = new Map<string, string[]>();
  for (const e of events) history.set(e.entityId, [...(history.get(e.entityId) ?? []), e.action.split('.')[1] as string]);

  // Every id a client was told about exists in the event log as created exactly once (no duplicated idempotent POST).
  for (const [id, { type }] of ledger.created) {
    expect({ id, created: history.get(id)?.filter((a) => a === 'created').length }).toEqual({ id, created: 1 });
    expect(events.find((e) => e.entityId === id)?.entityType).toBe(type);
  }
  // The event log names exactly the ids the clients were told about (no orphan event, no hidden row).
  expect([...history.keys()].sort()).toEqual([...ledger.created.keys()].sort());
  const alive = new Set(rows.map((r) => r.id));
  for (const [id, actions] of history) {
    const expected = [
      'created',
      ...Array.from({ length: ledger.updates.get(id) ?? 0 }, () => 'updated'),
      ...(ledger.deleted.has(id) ? ['deleted'] : []),
    ];
    // A surviving row: created + its updates; a deleted one: the same, then deleted. In that order.
    expect({ id, actions }).toEqual({ id, actions: expected });
    expect({ id, alive: alive.has(id) }).toEqual({ id, alive: !ledger.deleted.has(id) });
  }
  expect(rows.every((r) => history.has(r.id))).toBe(true);
  // Replays answered with the first response: more 201s than created rows whenever a retry was made.
  const replayed = [...ledger.created.values()].filter((c) => c.idempotent && c.replies > 1).length;
  expect(replayed).toBeGreaterThan(0);
}

describe('load without loss', () => {
  const instances: Instance[] = [];
  afterAll(async () => {
    for (const i of instances) await i.close();
  });

  it('when clients create, update and delete concurrently on one instance, then rows and event log agree exactly', async () => {
    instances.push(await startInstance());
    await runAndVerify(instances.slice(0, 1));
  }, 150_000);

  it('when the same load is spread over two instances on one database, then rows and event log still agree exactly', async () => {
    instances.push(await startInstance());
    expect(instances[0]?.db).not.toBe(instances[1]?.db);
    await runAndVerify(instances.slice(0, 2));
  }, 150_000);
});
