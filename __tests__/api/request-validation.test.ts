/**
 * One validation style: routes of fixed shape (the worker protocol, cancelling a run) validate
 * `{ params, query, body }` with the validate() middleware, and answer a bad id, an unknown
 * query parameter or an unknown body field with the same errors as the generic resource routes.
 */
import request from 'supertest';
import { startTestApp, truncateAll, type TestApp } from '../support/app';
import { authHeader, createUser, type TestUser } from '../support/factories';
import { workerKey } from '../support/runs';

const SOME_ID = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

describe('request validation', () => {
  let t: TestApp;
  let ada: TestUser;
  beforeAll(async () => {
    t = startTestApp();
    await truncateAll(t.db);
    ada = await createUser(t.db);
  });
  afterAll(() => t.close());

  const errorsOf = async (res: request.Response) => {
    expect(res.status).toBe(400);
    return res.body.errors as Array<{ path: string; message: string }>;
  };

  it('when a route without query parameters gets one, then cancelling a run names it as creating a session does', async () => {
    const cancel = await errorsOf(
      await request(t.app).post(`/api/v1/runs/${SOME_ID}/cancel?dryRun=true`).set(authHeader(ada.token)).send({}),
    );
    const session = await errorsOf(
      await request(t.app).post('/api/v1/sessions?dryRun=true').set(authHeader(ada.token)).send({ title: 'x' }),
    );
    expect(cancel).toEqual([{ path: 'query.dryRun', message: 'not accepted here; accepted: none' }]);
    expect(cancel).toEqual(session);
  });

  it('when a run id is not a UUID, then cancelling names it as reading the run does', async () => {
    const cancel = await errorsOf(await request(t.app).post('/api/v1/runs/not-a-uuid/cancel').set(authHeader(ada.token)).send({}));
    const read = await errorsOf(await request(t.app).get('/api/v1/runs/not-a-uuid').set(authHeader(ada.token)));
    expect(cancel).toEqual([{ path: 'params.id', message: 'must be a UUID' }]);
    expect(cancel).toEqual(read);
  });

  it('when a body has an unknown field, then a worker report and a session create both name that field', async () => {
    const { token } = await workerKey(t.db, ada);
    const report = await errorsOf(
      await request(t.app).post(`/api/v1/runs/${SOME_ID}/heartbeat`).set(authHeader(token)).send({ leaseId: SOME_ID, progres: 0.5 }),
    );
    const session = await errorsOf(
      await request(t.app).post('/api/v1/sessions').set(authHeader(ada.token)).send({ title: 'x', progres: 0.5 }),
    );
    for (const errors of [report, session]) {
      expect(errors).toContainEqual({ path: 'body.progres', message: expect.stringMatching(/^not accepted here; accepted: \w/) });
    }
  });

  it('when a claim has an unknown query parameter and a bad body at once, then both are reported together', async () => {
    const { token } = await workerKey(t.db, ada);
    const errors = await errorsOf(
      await request(t.app).post('/api/v1/runs/claim?wait=1').set(authHeader(token)).send({ waitSeconds: 'soon' }),
    );
    expect(errors.map((e) => e.path).sort()).toEqual(['body.waitSeconds', 'query.wait']);
  });
});
