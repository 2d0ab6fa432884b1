/**
 * One-statement writes (src/resources/direct-writes.ts) against the transaction path they replace:
 * the same random requests go to an app with them and to one without them (oneStatementWrites:
 * false), on the same database, each on a fresh row; status, response bytes, ETag, error bodies
 * and the event-log rows written must be the same, ids and timestamps aside.
 */
import fc from 'fast-check';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../../src/app';
import { etagOf } from '../../../src/resources/output';
import { createServices, lookupService } from '../../../src/resources/registry';
import { startTestApp, truncateAll, type TestApp } from '../../support/app';
import { authHeader, createUser, type TestUser } from '../../support/factories';

type Res = request.Response;
/** What of a response is compared. */
type Seen = Pick<Res, 'status' | 'text' | 'body'> & { headers: Record<string, unknown> };

describe('writes as one statement answer exactly as the transaction path does', () => {
  let t: TestApp;
  let slow: Express;
  let ada: TestUser;
  let bob: TestUser;
  let adaSession: string;
  let bobSession: string;
  beforeAll(async () => {
    t = startTestApp();
    await truncateAll(t.db);
    slow = createApp({ config: t.config, db: t.db, oneStatementWrites: false });
    ada = await createUser(t.db);
    bob = await createUser(t.db);
    const s = (user: TestUser) =>
      request(t.app).post('/api/v1/sessions').set(authHeader(user.token)).send({ title: 'S', startedAt: '2026-01-01T00:00:00Z' });
    adaSession = (await s(ada)).body.id;
    bobSession = (await s(bob)).body.id;
  });
  afterAll(() => t.close());

  /** The response and event as text, the write's own ids and its timestamps replaced. */
  async function observed(res: Seen, id?: string): Promise<string> {
    const own = id ?? (typeof (res.body as { id?: unknown })?.id === 'string' ? (res.body as { id: string }).id : undefined);
    const event = own
      ? await t.db.prisma.eventLog.findFirst({
          where: { entityId: own },
          orderBy: { id: 'desc' },
          select: { action: true, entityType: true, changes: true, actorId: true },
        })
      : null;
    if (res.headers.etag !== undefined) expect(res.headers.etag).toBe(etagOf(res.body as Record<string, unknown>));
    const normal = (text: string): string =>
      (own ? text.split(own).join('<id>') : text)
        .replace(/"(createdAt|updatedAt)":"[^"]*"/g, '"$1":"<time>"')
        .replace(/"requestId":"[^"]*"/g, '"requestId":"<request>"');
    return [res.status, res.headers['content-type'], normal(String(res.headers.location)), normal(res.text), normal(JSON.stringify(event))]
      .map(String)
      .join('\n');
  }

  const post = (app: Express, user: TestUser, path: string, body: unknown) =>
    request(app)
      .post(`/api/v1/${path}`)
      .set(authHeader(user.token))
      .send(body as object) as unknown as Promise<Res>;

  const recordingInput = fc.record(
    {
      sessionId: fc.constantFrom<unknown>('own', 'foreign', '00000000-0000-7000-8000-000000000000', null, 'not-a-uuid'),
      name: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.constant('')),
      modality: fc.constantFrom('EEG', 'ECG', 'AUDIO', 'BOGUS'),
      status: fc.constantFrom('PENDING', 'READY'),
      format: fc.constantFrom('application/x-edf', 'audio/wav', 'nonsense'),
      sampleRateHz: fc.oneof(fc.double({ min: 0.001, max: 1e6, noNaN: true }), fc.constant(null)),
      channelCount: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constant(null)),
      sizeBytes: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 62n }).map(String), fc.integer({ min: -5, max: 1e6 })),
      recordedAt: fc.oneof(
        fc.date({ min: new Date('1970-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
        fc.constant(null),
      ),
      metadata: fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null)), {
        maxKeys: 4,
      }),
    },
    { requiredKeys: ['name', 'modality', 'format'] },
  );
  const withSession = (input: Record<string, unknown>): Record<string, unknown> =>
    input.sessionId === 'own'
      ? { ...input, sessionId: adaSession }
      : input.sessionId === 'foreign'
        ? { ...input, sessionId: bobSession }
        : input;

  it('when recordings are created with random valid and invalid inputs, then both paths answer and log the same', async () => {
    await fc.assert(
      fc.asyncProperty(recordingInput, async (input) => {
        const body = withSession(input);
        const fast = await observed(await post(t.app, ada, 'recordings', body));
        const old = await observed(await post(slow, ada, 'recordings', body));
        expect(fast).toBe(old);
      }),
      { numRuns: 60 },
    );
  });

  const sessionInput = fc.record(
    {
      title: fc.string({ minLength: 0, maxLength: 12 }),
      device: fc.oneof(fc.string({ maxLength: 8 }), fc.constant(null)),
      startedAt: fc.constantFrom('2026-01-01T00:00:00Z', '2026-01-01T10:00:00.123+02:00', 'yesterday'),
      endedAt: fc.constantFrom('2026-01-02T00:00:00Z', '2025-12-31T00:00:00Z', null),
      notes: fc.oneof(fc.string({ maxLength: 30 }), fc.constant(null)),
      metadata: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    },
    { requiredKeys: ['title', 'startedAt'] },
  );

  it('when sessions are created, then both paths answer and log the same (the end-before-start rule included)', async () => {
    await fc.assert(
      fc.asyncProperty(sessionInput, async (body) => {
        expect(await observed(await post(t.app, ada, 'sessions', body))).toBe(await observed(await post(slow, ada, 'sessions', body)));
      }),
      { numRuns: 40 },
    );
  });

  let algoCount = 0;
  const algoInput = fc.record(
    {
      version: fc.constantFrom('1.0.0', '2.1.3-beta.1', 'one'),
      description: fc.oneof(fc.string({ maxLength: 20 }), fc.constant(null)),
      status: fc.constantFrom('DRAFT', 'PUBLISHED'),
      parameters: fc.constantFrom({}, { type: 'object', properties: { n: { type: 'integer' } } }),
    },
    { requiredKeys: ['version'] },
  );

  it('when algos are created, then both paths answer and log the same; a (name, version) taken is the same 409', async () => {
    await fc.assert(
      fc.asyncProperty(algoInput, fc.boolean(), async (input, taken) => {
        const body = { ...input, name: `algo-${++algoCount}` };
        if (taken) await post(slow, bob, 'algos', body);
        const fastRes = await post(t.app, ada, 'algos', body);
        // The other path needs the name free again, as it was for the first one.
        if (fastRes.status === 201) await t.db.prisma.algo.update({ where: { id: fastRes.body.id }, data: { name: `moved-${algoCount}` } });
        const fast = await observed(fastRes);
        const old = await observed(await post(slow, ada, 'algos', body));
        expect(fast).toBe(old);
      }),
      { numRuns: 30 },
    );
  });

  const patch = (app: Express, user: TestUser, path: string, body: unknown, ifMatch?: string) => {
    const req = request(app).patch(`/api/v1/${path}`).set(authHeader(user.token));
    return (ifMatch === undefined ? req : req.set('If-Match', ifMatch)).send(body as object) as unknown as Promise<Res>;
  };
  const remove = (app: Express, user: TestUser, path: string, ifMatch?: string) => {
    const req = request(app).delete(`/api/v1/${path}`).set(authHeader(user.token));
    return (ifMatch === undefined ? req : req.set('If-Match', ifMatch)) as unknown as Promise<Res>;
  };
  /** Two equal rows made on the transaction path: one for each path to change. */
  async function twins(path: string, owner: TestUser, body: Record<string, unknown>): Promise<Array<{ id: string; etag: string }>> {
    const rows = [
      await post(slow, owner, path, body),
      await post(slow, owner, path, { ...body, ...(path === 'algos' ? { name: `${String(body.name)}-2` } : {}) }),
    ];
    return rows.map((r) => {
      expect(r.status).toBe(201);
      return { id: r.body.id as string, etag: String(r.headers.etag) };
    });
  }
  const ifMatchOf = (choice: string, etag: string): string | undefined =>
    choice === 'none' ? undefined : choice === 'own' ? etag : choice === 'any' ? '*' : '"stale"';
  const ifMatchChoice = fc.constantFrom('none', 'own', 'any', 'stale');

  const sessionPatch = fc.record(
    {
      title: fc.string({ minLength: 0, maxLength: 12 }),
      endedAt: fc.constantFrom('2026-01-02T00:00:00Z', '2025-12-31T00:00:00Z', null),
      notes: fc.oneof(fc.string({ maxLength: 30 }), fc.constant(null)),
      metadata: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
      device: fc.constantFrom('d1', null),
    },
    { requiredKeys: [] },
  );

  it('when sessions are patched (If-Match or not, by the owner or not), then both paths answer and log the same', async () => {
    await fc.assert(
      fc.asyncProperty(sessionPatch, ifMatchChoice, fc.boolean(), async (body, choice, byOwner) => {
        const [a, b] = await twins('sessions', ada, { title: 'P', startedAt: '2026-01-01T00:00:00Z', device: 'd1', metadata: { k: 1 } });
        const who = byOwner ? ada : bob;
        const fast = await observed(await patch(t.app, who, `sessions/${a!.id}`, body, ifMatchOf(choice, a!.etag)), a!.id);
        const old = await observed(await patch(slow, who, `sessions/${b!.id}`, body, ifMatchOf(choice, b!.etag)), b!.id);
        expect(fast).toBe(old);
      }),
      { numRuns: 40 },
    );
  });

  const recordingPatch = fc.record(
    {
      name: fc.string({ minLength: 0, maxLength: 12 }),
      status: fc.constantFrom('READY', 'ARCHIVED', 'NOPE'),
      sampleRateHz: fc.oneof(fc.double({ min: 0.001, max: 1e6, noNaN: true }), fc.constant(null)),
      durationMs: fc.oneof(fc.integer({ min: -1, max: 1e6 }), fc.constant(null)),
      recordedAt: fc.constantFrom('2026-02-01T00:00:00.5Z', null),
      metadata: fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 3 }),
      sessionId: fc.constantFrom<unknown>('own', 'foreign', null),
      sizeBytes: fc.constantFrom('12', 7),
    },
    { requiredKeys: [] },
  );

  it('when recordings are patched, then both paths answer and log the same (hooked fields keep the transaction)', async () => {
    await fc.assert(
      fc.asyncProperty(recordingPatch, ifMatchChoice, fc.boolean(), async (input, choice, byOwner) => {
        const [a, b] = await twins('recordings', ada, {
          name: 'r',
          modality: 'EEG',
          format: 'audio/wav',
          sessionId: adaSession,
          sizeBytes: '5',
          metadata: { z: 1, a: [1, 2] },
        });
        const body = withSession(input);
        const who = byOwner ? ada : bob;
        const fast = await observed(await patch(t.app, who, `recordings/${a!.id}`, body, ifMatchOf(choice, a!.etag)), a!.id);
        const old = await observed(await patch(slow, who, `recordings/${b!.id}`, body, ifMatchOf(choice, b!.etag)), b!.id);
        expect(fast).toBe(old);
      }),
      { numRuns: 40 },
    );
  });

  it('when algos are patched or deleted (by the owner or not, If-Match or not), then both paths answer and log the same', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            description: fc.oneof(fc.string({ maxLength: 10 }), fc.constant(null)),
            status: fc.constantFrom('DRAFT', 'DEPRECATED'),
            version: fc.constantFrom('3.0.0', 'x'),
          },
          { requiredKeys: [] },
        ),
        ifMatchChoice,
        fc.boolean(),
        fc.boolean(),
        async (body, choice, byOwner, del) => {
          const name = `patched-${++algoCount}`;
          const [a, b] = await twins('algos', ada, { name, version: '1.0.0', parameters: { type: 'object' } });
          const who = byOwner ? ada : bob;
          const fastRes = del
            ? await remove(t.app, who, `algos/${a!.id}`, ifMatchOf(choice, a!.etag))
            : await patch(t.app, who, `algos/${a!.id}`, body, ifMatchOf(choice, a!.etag));
          const oldRes = del
            ? await remove(slow, who, `algos/${b!.id}`, ifMatchOf(choice, b!.etag))
            : await patch(slow, who, `algos/${b!.id}`, body, ifMatchOf(choice, b!.etag));
          expect((await observed(fastRes, a!.id)).split(`${name}-2`).join(name)).toBe(
            (await observed(oldRes, b!.id)).split(`${name}-2`).join(name),
          );
        },
      ),
      { numRuns: 40 },
    );
  });

  it('when two PATCHes carry the same If-Match at once, then one wins and the other is 412', async () => {
    const [a] = await twins('sessions', ada, { title: 'Race', startedAt: '2026-01-01T00:00:00Z' });
    const results = await Promise.all(['one', 'two'].map((title) => patch(t.app, ada, `sessions/${a!.id}`, { title }, a!.etag)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
    const winner = results.find((r) => r.status === 200)!;
    expect((await t.db.prisma.session.findUniqueOrThrow({ where: { id: a!.id } })).title).toBe(winner.body.title);
    expect(await t.db.prisma.eventLog.count({ where: { entityId: a!.id, action: 'session.updated' } })).toBe(1);
  });

  it('when a recording names a session of another owner, then the same 400 on both paths and nothing is written', async () => {
    const before = await t.db.prisma.recording.count();
    const body = { name: 'x', modality: 'EEG', format: 'audio/wav', sessionId: bobSession };
    const fast = await post(t.app, ada, 'recordings', body);
    expect(fast.status).toBe(400);
    expect(fast.body.errors).toEqual([{ path: 'body.sessionId', message: expect.any(String) }]);
    expect(await observed(fast)).toBe(await observed(await post(slow, ada, 'recordings', body)));
    expect(await t.db.prisma.recording.count()).toBe(before);
  });

  it('when the event-log row cannot be written, then the create, update or delete leaves no trace', async () => {
    const table = `${t.db.schema}."EventLog"`;
    const [a] = await twins('algos', ada, { name: `atomic-${++algoCount}`, version: '1.0.0' });
    const rejected = `('recording.created', 'algo.updated', 'algo.deleted')`;
    await t.db.pool.query(`ALTER TABLE ${table} ADD CONSTRAINT test_reject_fast CHECK (action NOT IN ${rejected}) NOT VALID`);
    try {
      const recordings = await t.db.prisma.recording.count();
      const body = { name: 'Never kept', modality: 'EEG', format: 'audio/wav', sessionId: adaSession };
      const created = await post(t.app, ada, 'recordings', body);
      expect(created.status).toBeGreaterThanOrEqual(400);
      expect(await t.db.prisma.recording.count()).toBe(recordings);
      const changed = await patch(t.app, ada, `algos/${a!.id}`, { description: 'never' });
      expect(changed.status).toBeGreaterThanOrEqual(400);
      expect((await t.db.prisma.algo.findUniqueOrThrow({ where: { id: a!.id } })).description).toBeNull();
      const removed = await remove(t.app, ada, `algos/${a!.id}`);
      expect(removed.status).toBeGreaterThanOrEqual(400);
      expect(await t.db.prisma.algo.count({ where: { id: a!.id } })).toBe(1);
      // And the transaction path answers those failures with the same status.
      expect((await post(slow, ada, 'recordings', body)).status).toBe(created.status);
      expect((await patch(slow, ada, `algos/${a!.id}`, { description: 'never' })).status).toBe(changed.status);
    } finally {
      await t.db.pool.query(`ALTER TABLE ${table} DROP CONSTRAINT test_reject_fast`);
    }
  });

  let keys = 0;
  it('when a keyed POST is sent twice, then both paths answer the same first response and the same replay, its ETag and Location included', async () => {
    const keyed = (app: Express, body: unknown, key: string) =>
      request(app)
        .post('/api/v1/recordings')
        .set(authHeader(ada.token))
        .set('Idempotency-Key', key)
        .send(body as object) as unknown as Promise<Res>;
    const both = async (app: Express, body: unknown): Promise<string> => {
      const key = `k-${++keys}`;
      const first = await keyed(app, body, key);
      const again = await keyed(app, body, key);
      if (first.status === 201) {
        expect(again.headers['idempotent-replayed']).toBe('true');
        expect(again.headers.etag).toBe(first.headers.etag);
        expect(again.headers.location).toBe(first.headers.location);
      }
      const id = (first.body as { id?: string }).id;
      return `${await observed(first, id)}\n${await observed({ status: again.status, text: again.text, body: again.body, headers: { ...again.headers, etag: undefined } }, id)}\n${String(again.headers['idempotent-replayed'])}`;
    };
    await fc.assert(
      fc.asyncProperty(recordingInput, async (input) => {
        const body = withSession(input);
        expect(await both(t.app, body)).toBe(await both(slow, body));
      }),
      { numRuns: 30 },
    );
  });

  it('the one-statement path is taken where no hook needs queries, and only there', () => {
    const direct = (name: string) => lookupService(createServices(t.db), name).direct;
    expect(['sessions', 'recordings', 'algos'].map((name) => direct(name)?.creates)).toEqual([true, true, true]);
    expect(direct('users')?.creates).toBe(false); // users: password hashing, their own creation function
    expect(direct('recordings')?.updates({ name: 'n', metadata: {} })).toBe(true);
    expect(['sessionId', 'sha256', 'sizeBytes'].map((field) => direct('recordings')?.updates({ [field]: null }))).toEqual([
      false,
      false,
      false,
    ]);
    expect(direct('users')?.updates({ name: 'n' })).toBe(false);
    expect(['sessions', 'recordings', 'algos', 'users'].map((name) => direct(name)?.deletes)).toEqual([false, false, true, false]);
    expect(direct('runs')).toBeUndefined(); // read only
    expect(lookupService(createServices(t.db, undefined, { oneStatementWrites: false }), 'sessions').direct).toBeUndefined();
  });
});
