/**
 * The recommended starting point: a real client session against a running server, with the
 * typed client (src/client). It signs in, creates a session, bulk-creates recordings, lists them
 * with a filter, a sort and cursor pagination, updates one with If-Match, uploads a WAV file to one
 * and downloads a byte range of it, replays a POST with an Idempotency-Key, reads the event log for
 * what it did, and cleans up.
 *
 *   BASE_URL=http://localhost:3000 TOKEN=bk_api_… npm run example
 *   npm run example -- --base-url http://localhost:3000 --email ada@example.com --password '…'
 *
 * Exits 0 when every step did what the API promises, 1 on any failure, 2 on missing settings.
 */
import { createHash, randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createApiClient, type ApiClient, type components } from '../src/client';

type Problem = components['schemas']['Problem'];
type Recording = components['schemas']['Recording'];

const USAGE = `Usage: npm run example -- --base-url <url> (--token <token> | --email <email> --password <password>)
   or: BASE_URL=<url> TOKEN=<token> npm run example      (EMAIL and PASSWORD instead of TOKEN also work)`;

function settings(): { baseUrl: string; token?: string; email?: string; password?: string } {
  const { values } = parseArgs({
    options: { 'base-url': { type: 'string' }, token: { type: 'string' }, email: { type: 'string' }, password: { type: 'string' } },
  });
  const baseUrl = values['base-url'] ?? process.env.BASE_URL;
  const token = values.token ?? process.env.TOKEN;
  const email = values.email ?? process.env.EMAIL;
  const password = values.password ?? process.env.PASSWORD;
  const missing = [
    !baseUrl && 'a base URL (BASE_URL or --base-url)',
    !token && !(email && password) && 'a token (TOKEN) or EMAIL and PASSWORD',
  ].filter(Boolean);
  if (missing.length) {
    console.error(`Missing ${missing.join(' and ')}.\n${USAGE}`);
    process.exit(2);
  }
  return { baseUrl: baseUrl as string, token, email, password };
}

/** The data of a successful call, or an error naming the step and the server's problem. */
function must<T>(step: string, result: { data?: T; error?: unknown; response: Response }, status?: number): T {
  const { response } = result;
  if (result.error !== undefined || (status !== undefined && response.status !== status)) {
    const problem = result.error as Partial<Problem> | undefined;
    throw new Error(`${step}: HTTP ${response.status} ${problem?.detail ?? problem?.title ?? ''} ${JSON.stringify(problem?.errors ?? '')}`);
  }
  return result.data as T;
}

/** A mono 16-bit PCM WAV file of a 440 Hz tone. */
function sineWav(seconds: number, rate: number): Buffer {
  const frames = Math.round(seconds * rate);
  const file = Buffer.alloc(44 + frames * 2);
  file.write('RIFF', 0, 'latin1');
  file.writeUInt32LE(36 + frames * 2, 4);
  file.write('WAVEfmt ', 8, 'latin1');
  file.writeUInt32LE(16, 16);
  file.writeUInt16LE(1, 20); // PCM
  file.writeUInt16LE(1, 22); // channels
  file.writeUInt32LE(rate, 24);
  file.writeUInt32LE(rate * 2, 28);
  file.writeUInt16LE(2, 32);
  file.writeUInt16LE(16, 34);
  file.write('data', 36, 'latin1');
  file.writeUInt32LE(frames * 2, 40);
  for (let i = 0; i < frames; i++) file.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return file;
}

function step(text: string): void {
  console.log(`\n▶ ${text}`);
}

async function signIn(baseUrl: string, s: ReturnType<typeof settings>): Promise<{ api: ApiClient; loggedIn: boolean }> {
  if (s.token) return { api: createApiClient({ baseUrl, token: s.token }), loggedIn: false };
  step(`log in as ${s.email}`);
  const login = must(
    'login',
    await createApiClient({ baseUrl }).POST('/api/v1/auth/login', { body: { email: s.email as string, password: s.password as string } }),
  );
  console.log(`  token ${login.token.slice(0, 12)}… valid until ${login.expiresAt}`);
  return { api: createApiClient({ baseUrl, token: login.token }), loggedIn: true };
}

async function main(s: ReturnType<typeof settings>): Promise<void> {
  const started = new Date().toISOString();
  const { api, loggedIn } = await signIn(s.baseUrl, s);
  const me = must('who am I', await api.GET('/api/v1/auth/me'));
  console.log(`  signed in as ${me.user.name} <${me.user.email}> (${me.user.role})`);

  step('create a session');
  const created = await api.POST('/api/v1/sessions', {
    body: { title: 'Example: resting EEG', device: 'OpenBCI Cyton', startedAt: started, metadata: { example: true } },
  });
  const session = must('create a session', created, 201) as components['schemas']['Session'];
  console.log(`  ${created.response.headers.get('location')}  ETag ${created.response.headers.get('etag')}`);

  try {
    step('bulk-create 5 recordings in it (one request, all or none)');
    const items = ['EEG', 'ECG', 'EEG', 'AUDIO', 'EEG'].map((modality, i) => ({
      name: `take-${i + 1}`,
      modality: modality as Recording['modality'],
      format: modality === 'AUDIO' ? 'audio/wav' : 'application/x-edf',
      status: (i % 2 ? 'READY' : 'PENDING') as Recording['status'],
      durationMs: (i + 1) * 60_000,
      sizeBytes: String((i + 1) * 1_048_576),
    }));
    const bulk = must(
      'bulk create',
      await api.POST('/api/v1/sessions/{id}/recordings', { params: { path: { id: session.id } }, body: items }),
      201,
    );
    const recordings = (bulk as components['schemas']['RecordingCreated']).data;
    console.log(`  created ${recordings.map((r) => r.name).join(', ')}`);

    step('list its EEG recordings, longest first, 2 per page, following nextCursor');
    let cursor: string | undefined;
    let seen = 0;
    do {
      const page = must(
        'list recordings',
        await api.GET('/api/v1/recordings', {
          params: {
            query: {
              // Filters are objects, one member per operator: sessionId[eq]=…&modality[in]=EEG
              sessionId: { eq: session.id },
              modality: { in: 'EEG' },
              sort: ['-durationMs'],
              limit: 2,
              count: true,
              fields: ['name', 'durationMs'],
              ...(cursor ? { cursor } : {}),
            },
          },
        }),
      );
      seen += page.data.length;
      console.log(
        `  page: ${page.data.map((r) => `${r.name} (${(r.durationMs ?? 0) / 1000} s)`).join(', ')}  [${seen}/${page.page.total}]`,
      );
      cursor = page.page.nextCursor ?? undefined;
    } while (cursor);
    if (seen !== 3) throw new Error(`expected 3 EEG recordings, listed ${seen}`);

    step('update one with If-Match (optimistic concurrency)');
    const target = recordings[0] as Recording;
    const read = await api.GET('/api/v1/recordings/{id}', { params: { path: { id: target.id } } });
    must('read recording', read);
    const etag = read.response.headers.get('etag') as string;
    const patched = await api.PATCH('/api/v1/recordings/{id}', {
      params: { path: { id: target.id }, header: { 'If-Match': etag } },
      body: { status: 'READY', sha256: 'a'.repeat(64) },
    });
    console.log(`  ${must('update', patched).name} is ${must('update', patched).status}; new ETag ${patched.response.headers.get('etag')}`);
    const stale = await api.PATCH('/api/v1/recordings/{id}', {
      params: { path: { id: target.id }, header: { 'If-Match': etag } },
      body: { status: 'FAILED' },
    });
    if (stale.response.status !== 412) throw new Error(`a stale If-Match should be 412, got ${stale.response.status}`);
    console.log(`  the same If-Match again: ${stale.response.status} ${stale.error?.title} (someone changed it meanwhile)`);

    step('upload a small WAV file to the audio recording, then download part of it');
    const audio = recordings.find((r) => r.modality === 'AUDIO') as Recording;
    const wav = sineWav(0.5, 8000);
    const digest = `sha-256=:${createHash('sha256').update(wav).digest('base64')}:`;
    const uploaded = await api.PUT('/api/v1/recordings/{id}/content', {
      params: { path: { id: audio.id }, header: { 'Repr-Digest': digest } },
      body: wav as unknown as string,
      bodySerializer: (body: unknown) => body as Uint8Array,
      headers: { 'Content-Type': 'audio/wav' },
    });
    const withFile = must('upload', uploaded, 201);
    console.log(
      `  ${withFile.sizeBytes} bytes, ${withFile.sampleRateHz} Hz, ${withFile.channelCount} channel(s), ${withFile.durationMs} ms (read from the file)`,
    );
    const range = await api.GET('/api/v1/recordings/{id}/content', {
      params: { path: { id: audio.id }, header: { Range: 'bytes=0-43' } },
      parseAs: 'arrayBuffer',
    });
    must('download', range, 206);
    const head = Buffer.from(range.data as unknown as ArrayBuffer);
    if (!head.equals(wav.subarray(0, 44))) throw new Error('the downloaded range differs from the uploaded bytes');
    console.log(
      `  ${range.response.headers.get('content-range')}: the ${head.length}-byte header, starting ${head.toString('latin1', 0, 4)}`,
    );

    step('POST twice with the same Idempotency-Key: the second is a replay, nothing is created twice');
    const key = randomUUID();
    const once = () =>
      api.POST('/api/v1/sessions/{id}/recordings', {
        params: { path: { id: session.id }, header: { 'Idempotency-Key': key } },
        body: { name: 'retried upload', modality: 'IMU', format: 'text/csv' },
      });
    const first = must('first POST', await once(), 201) as Recording;
    const again = await once();
    const second = must('replayed POST', again, 201) as Recording;
    if (second.id !== first.id) throw new Error('the replay created another recording');
    console.log(`  both answers name ${first.id}; Idempotent-Replayed: ${again.response.headers.get('idempotent-replayed')}`);

    step('read the event log: what this run did');
    const log = must(
      'event log',
      await api.GET('/api/v1/event-log', {
        params: { query: { actorId: { eq: me.user.id }, occurredAt: { gte: started }, sort: ['occurredAt'], limit: 100 } },
      }),
    );
    for (const e of log.data) console.log(`  ${e.occurredAt}  ${e.action}  ${e.entityType} ${e.entityId}`);
    const recordingEvents = log.data.filter((e) => e.action === 'recording.created').length;
    if (recordingEvents !== 6) throw new Error(`expected 6 recording.created events (5 bulk + 1 idempotent), found ${recordingEvents}`);
  } finally {
    // Runs after a failure too; its own failure is reported without hiding the first one.
    step('clean up: delete the session and its recordings');
    const removed = await api.DELETE('/api/v1/sessions/{id}', { params: { path: { id: session.id }, query: { cascade: 'recordings' } } });
    if (removed.response.status === 204) console.log('  deleted');
    else {
      console.error(`  cleanup failed: HTTP ${removed.response.status}`);
      process.exitCode = 1;
    }
    if (loggedIn) {
      await api.POST('/api/v1/auth/logout');
      console.log('  logged out');
    }
  }
  if (process.exitCode) throw new Error('cleanup failed');
  console.log('\n✔ done');
}

/** fetch says only "fetch failed"; its cause says why (refused, unknown host, timeout). */
function explain(err: unknown, baseUrl: string): string {
  const message = err instanceof Error ? err.message : String(err);
  if (!(err instanceof TypeError) || message !== 'fetch failed') return message;
  const cause = err.cause as { code?: string; message?: string } | undefined;
  return (
    `cannot reach the API at ${baseUrl} (${cause?.code ?? cause?.message ?? 'no answer'}). ` +
    'Is the server running (npm start)? Set BASE_URL or --base-url to the address it listens on.'
  );
}

const s = settings();
main(s).catch((err: unknown) => {
  console.error(`\n✘ ${explain(err, s.baseUrl)}`);
  process.exit(1);
});
