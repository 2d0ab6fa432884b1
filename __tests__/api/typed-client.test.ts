/**
 * The typed client (src/client: openapi-fetch over the types generated from the OpenAPI
 * document) against the app on a loopback port: filters are objects in the document
 * (`deepObject`), and the client still sends the wire format the API has always read,
 * `status[in]=READY,FAILED`.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiClient, type ApiClient, type components } from '../../src/client';
import { startTestApp, truncateAll, type TestApp } from '../support/app';
import { createUser } from '../support/factories';

type Recording = components['schemas']['Recording'];

describe('the typed client', () => {
  let t: TestApp;
  let server: Server;
  let api: ApiClient;
  let sessionId: string;
  beforeAll(async () => {
    t = startTestApp();
    await truncateAll(t.db);
    server = t.app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { token } = await createUser(t.db);
    api = createApiClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, token });
    const session = await api.POST('/api/v1/sessions', { body: { title: 'typed client', startedAt: '2026-11-01T08:00:00Z' } });
    sessionId = (session.data as components['schemas']['Session']).id;
    const statuses = ['PENDING', 'READY', 'FAILED', 'ARCHIVED', 'READY'] as const;
    const created = await api.POST('/api/v1/sessions/{id}/recordings', {
      params: { path: { id: sessionId } },
      body: statuses.map((status, i) => ({
        name: `take-${i}`,
        modality: 'EEG' as const,
        format: 'application/x-edf',
        status,
        durationMs: (i + 1) * 1000,
        ...(i === 0 ? {} : { recordedAt: `2026-11-0${i}T08:00:00Z` }),
      })),
    });
    expect(created.response.status).toBe(201);
  });
  afterAll(async () => {
    // fetch keeps its connections alive: close them, or the worker cannot exit.
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await t.close();
  });

  it('when filters are given as objects, then they are sent as field[op]=value and applied', async () => {
    const page = await api.GET('/api/v1/recordings', {
      params: {
        query: {
          sessionId: { eq: sessionId },
          status: { in: 'READY,FAILED' },
          durationMs: { gte: 2000, lt: 5000 },
          sort: ['-durationMs'],
          fields: ['name', 'status', 'durationMs'],
          count: true,
        },
      },
    });
    const url = new URL(page.response.url);
    expect(url.searchParams.get('status[in]')).toBe('READY,FAILED');
    expect(url.searchParams.get('durationMs[gte]')).toBe('2000');
    expect(url.searchParams.get('sort')).toBe('-durationMs');
    expect(page.response.status).toBe(200);
    expect(page.data?.data.map((r) => [r.name, r.status])).toEqual([
      ['take-2', 'FAILED'],
      ['take-1', 'READY'],
    ]);
    expect(page.data?.page.total).toBe(2);
  });

  it('when a date filter and isNull are given, then they select by date and by missing value', async () => {
    const since = await api.GET('/api/v1/recordings', { params: { query: { recordedAt: { gte: '2026-11-03' } } } });
    expect((since.data?.data as Recording[]).map((r) => r.name).sort()).toEqual(['take-3', 'take-4']);
    const missing = await api.GET('/api/v1/recordings', { params: { query: { recordedAt: { isNull: true } } } });
    expect((missing.data?.data as Recording[]).map((r) => r.name)).toEqual(['take-0']);
  });

  it('when a filter member is not an operator of the field, then the 400 names the parameter', async () => {
    // A typo the compiler catches (`status: { gte }` is not in RecordingStatusFilter), sent anyway.
    const query = { status: { gte: 'READY' } } as unknown as { status: { eq: 'READY' } };
    const res = await api.GET('/api/v1/recordings', { params: { query } });
    expect(res.response.status).toBe(400);
    expect(res.error?.errors).toEqual([expect.objectContaining({ path: 'query.status[gte]' })]);
  });
});
