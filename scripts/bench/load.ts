/**
 * The scenarios of the API and its baseline, driven with autocannon; the same requests go to both.
 *   create-idempotent  the create of create-with-audit with a fresh Idempotency-Key per request
 *   patch-if-match     each connection renames a recording in its hands with If-Match: the ETag of
 *                      the previous answer for that row, so no GET precedes each PATCH (one GET per
 *                      row at the start of a run, and after a 412, learns it); 412s are counted
 *                      apart from errors
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';

export const SCENARIOS = ['get-by-id', 'list-50', 'list-filtered', 'create-with-audit', 'create-idempotent', 'patch-if-match'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioData {
  token: string;
  recordingIds: string[];
  sessionId: string;
}

export interface RunResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** 412 Precondition Failed answers (also counted in non2xx): a stale If-Match, not a fault. */
  preconditionFailed: number;
}

/** Where the next run of patch-if-match starts taking rows (see patchRows). */
let patchOffset = 0;

/**
 * patch-if-match's rows for one run: a connection takes a row when it builds a request and gives
 * it back, with the ETag of the answer, when the answer comes (autocannon keeps a request's
 * context until then, and resets it before the next). A row is thus only ever in one
 * connection's hands, and the last one given back is taken next: a run reuses about as many rows
 * as it has connections, each read once (GET) to learn its first ETag. Each run takes rows the
 * run before did not (while the bench user owns twice as many recordings as there are
 * connections, plus a few), so a PATCH of that run still in flight when it ended cannot make a 412 here.
 */
function patchRows(ids: readonly string[], connections: number): autocannon.Request {
  const size = Math.min(ids.length, connections + 8); // a few spare: a timed-out request keeps its row
  const free = Array.from({ length: size }, (_, i) => ids[(patchOffset + i) % ids.length] as string);
  patchOffset = (patchOffset + size) % ids.length;
  const etags = new Map<string, string>();
  let n = 0;
  return {
    method: 'PATCH',
    path: '/api/v1/recordings',
    setupRequest: (req, context) => {
      const id = free.pop();
      if (id === undefined) throw new Error('patch-if-match: more connections than recordings');
      (context as { id?: string }).id = id;
      const path = `/api/v1/recordings/${id}`;
      const etag = etags.get(id);
      // No ETag yet (the row's first request, or after a 412): read it.
      if (!etag) return { ...req, method: 'GET', path, body: undefined };
      const body = JSON.stringify({ name: `bench patch ${++n}` });
      return { ...req, method: 'PATCH', path, headers: { ...req.headers, 'If-Match': etag }, body };
    },
    onResponse: (status, _body, context, headers) => {
      const id = (context as { id?: string }).id;
      if (id === undefined) return;
      const etag = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'etag')?.[1];
      if (status === 200 && typeof etag === 'string') etags.set(id, etag);
      else etags.delete(id);
      free.push(id);
    },
  };
}

const createBody = (data: ScenarioData): string =>
  JSON.stringify({
    sessionId: data.sessionId,
    name: 'bench recording',
    modality: 'EEG',
    format: 'application/x-edf',
    sampleRateHz: 256,
    channelCount: 32,
    durationMs: 60000,
    sizeBytes: '123456789',
    metadata: { site: 'bench' },
  });

function requestsFor(scenario: ScenarioName, data: ScenarioData, connections: number): autocannon.Request[] {
  switch (scenario) {
    case 'get-by-id':
      return [
        {
          method: 'GET',
          path: '/api/v1/recordings',
          setupRequest: (req) => ({
            ...req,
            path: `/api/v1/recordings/${data.recordingIds[Math.floor(Math.random() * data.recordingIds.length)] as string}`,
          }),
        },
      ];
    case 'list-50':
      return [{ method: 'GET', path: '/api/v1/recordings?limit=50' }];
    case 'list-filtered':
      return [{ method: 'GET', path: '/api/v1/recordings?status=READY&sort=-recordedAt&limit=50' }];
    case 'create-with-audit':
      return [{ method: 'POST', path: '/api/v1/recordings', body: createBody(data) }];
    case 'create-idempotent':
      return [
        {
          method: 'POST',
          path: '/api/v1/recordings',
          body: createBody(data),
          setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'idempotency-key': randomUUID() } }),
        },
      ];
    case 'patch-if-match':
      return [patchRows(data.recordingIds, connections)];
  }
}

export async function runLoad(
  port: number,
  scenario: ScenarioName,
  data: ScenarioData,
  connections: number,
  durationSec: number,
): Promise<RunResult> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: durationSec,
    timeout: 10,
    headers: { authorization: `Bearer ${data.token}`, 'content-type': 'application/json' },
    requests: requestsFor(scenario, data, connections),
  });
  return {
    requestsPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    preconditionFailed: result.statusCodeStats?.['412']?.count ?? 0,
  };
}
