import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { stopTestServer } from './test-database';

/** How many responses support/contract-hook.ts checked against the OpenAPI document, in how many files, in how long. */
function contractSummary(dir: string): string {
  const files = readdirSync(dir).flatMap((f) =>
    readFileSync(path.join(dir, f), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' ').slice(0, 2).map(Number) as [number, number]),
  );
  const total = files.reduce((sum, [n]) => sum + n, 0);
  const seconds = files.reduce((sum, [, ms]) => sum + ms, 0) / 1000;
  return (
    `OpenAPI contract: ${total} responses checked against the document, from ${files.filter(([n]) => n > 0).length} of ` +
    `${files.length} test files (${seconds.toFixed(1)} s of checking, summed over the workers)\n`
  );
}

export default async function globalTeardown(): Promise<void> {
  const dir = process.env.BACKENDAPI_CONTRACT_DIR;
  if (dir) {
    process.stdout.write(contractSummary(dir));
    rmSync(dir, { recursive: true, force: true });
  }
  if (!process.env.TEST_DATABASE_URL) await stopTestServer();
}
