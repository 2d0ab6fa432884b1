/** The three scenarios, driven with autocannon; the same requests go to the API and the baseline. */
import autocannon from 'autocannon';

export type ScenarioName = 'get-by-id' | 'list-50' | 'list-filtered' | 'create-with-audit';
export const SCENARIOS: ScenarioName[] = ['get-by-id', 'list-50', 'list-filtered', 'create-with-audit'];

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
}

function requestsFor(scenario: ScenarioName, data: ScenarioData): autocannon.Request[] {
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
      return [
        {
          method: 'POST',
          path: '/api/v1/recordings',
          body: JSON.stringify({
            sessionId: data.sessionId,
            name: 'bench recording',
            modality: 'EEG',
            format: 'application/x-edf',
            sampleRateHz: 256,
            channelCount: 32,
            durationMs: 60000,
            sizeBytes: '123456789',
            metadata: { site: 'bench' },
          }),
        },
      ];
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
    requests: requestsFor(scenario, data),
  });
  return {
    requestsPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
}
