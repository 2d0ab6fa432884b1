import http from 'node:http';
import { canConnect as connects } from '../../src/db/embedded';
import { testDatabaseUrl } from '../support/app';
import { fromText } from '../support/contract';
import { expectConforms } from '../support/contract-hook';
import { startService, type Started } from '../support/process';

describe('graceful shutdown', () => {
  let service: Started;
  beforeAll(async () => {
    service = await startService(
      process.execPath,
      ['--require', require.resolve('tsx/cjs'), 'src/main.ts'],
      { DATABASE_URL: testDatabaseUrl(), PORT: '0', HOST: '127.0.0.1', SHUTDOWN_GRACE_MS: '8000' },
      30_000,
    );
  });
  afterAll(() => {
    if (service.child.exitCode === null) service.child.kill('SIGKILL');
  });

  it('when SIGTERM arrives during a slow request, then the request completes, new connections are refused and the process exits 0', async () => {
    // A client that sends its body slowly keeps a request in flight.
    const body = JSON.stringify({ slow: 'client' });
    const response = new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: service.port,
          method: 'POST',
          path: '/slow',
          headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 5));
      setTimeout(() => {
        service.child.kill('SIGTERM');
        setTimeout(async () => {
          try {
            expect(await connects(service.port)).toBe(false);
            req.end(body.slice(5));
          } catch (err) {
            reject(err as Error);
          }
        }, 500);
      }, 300);
    });

    const res = await response;
    // A raw node:http client: the contract hook does not see it, so the response is checked here.
    expectConforms(fromText('POST', '/slow', res.status, res.headers, res.body));
    expect(res.status).toBe(404); // the slow request was answered in full
    expect(JSON.parse(res.body).instance).toBe('/slow');
    expect(await service.exited).toBe(0);
    expect(service.output()).toMatch(/SIGTERM: draining/);
    expect(service.output()).toMatch(/stopped/);
  });
});
