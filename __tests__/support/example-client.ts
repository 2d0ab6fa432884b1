/**
 * The examples (examples/*.ts) run as their users run them: a child process against a real
 * server. Every response the child receives is logged (support/exchange-log.ts) and checked here
 * against the OpenAPI document, like the responses the tests receive themselves.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expectLoggedExchangesConform } from './contract-hook';
import { ROOT, startService, type Started } from './process';
import { testDatabaseUrl } from './app';

export interface ExampleRun {
  code: number | null;
  output: string;
  /** Responses the example received, all checked against the OpenAPI document. */
  responses: number;
}

/** Runs examples one after another, each with its own exchange log; `remove()` deletes the logs. */
export function exampleRunner(script: string): { run(env: Record<string, string>, args?: string[]): Promise<ExampleRun>; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'backendapi-example-'));
  let runs = 0;
  return {
    async run(env, args = []) {
      const log = path.join(dir, `run-${++runs}.jsonl`);
      const preload = ['--require', require.resolve('tsx/cjs'), '--require', path.join(__dirname, 'exchange-log.ts')];
      const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [...preload, script, ...args], {
          cwd: ROOT,
          env: { PATH: process.env.PATH ?? '', BACKENDAPI_EXCHANGE_LOG: log, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (c: Buffer) => (output += c.toString()));
        child.stderr.on('data', (c: Buffer) => (output += c.toString()));
        child.on('error', reject);
        child.on('exit', (code) => resolve({ code, output }));
      });
      return { code, output, responses: expectLoggedExchangesConform(log) };
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** src/main.ts on this worker's test database, listening on a free loopback port. */
export async function startServer(env: Record<string, string> = {}): Promise<{ service: Started; baseUrl: string; stop(): Promise<void> }> {
  const service = await startService(
    process.execPath,
    ['--require', require.resolve('tsx/cjs'), 'src/main.ts'],
    { DATABASE_URL: testDatabaseUrl(), PORT: '0', HOST: '127.0.0.1', ...env },
    60_000,
  );
  return {
    service,
    baseUrl: `http://127.0.0.1:${service.port}`,
    async stop() {
      if (service.child.exitCode === null) {
        service.child.kill('SIGTERM');
        await service.exited;
      }
    },
  };
}
