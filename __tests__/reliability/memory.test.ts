import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { testDatabaseUrl } from '../support/app';
import { ROOT } from '../support/process';

const run = promisify(execFile);

/**
 * A bounded run of list requests with 1000-row pages must not grow the heap steadily: after
 * the first checkpoint (caches, JIT, pools warmed up) the heap after a full GC stays flat.
 */
describe('memory under repeated large pages', () => {
  // A 1000-row page is read in batches of 128 rows (src/resources/paging.ts), so it costs several
  // queries: 200 pages with a deadline of 3 minutes keep the run clear of a busy machine's pace.
  it('when 200 pages of 1000 rows are served, then the heap after GC does not keep growing', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--expose-gc', '--require', require.resolve('tsx/cjs'), path.join(__dirname, 'memory-probe.ts')],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          PROBE_DATABASE_URL: testDatabaseUrl(),
          PROBE_REQUESTS: '200',
          PROBE_CHECKPOINT: '40',
          PROBE_DEADLINE_MS: '180000',
        },
        timeout: 230_000,
      },
    );
    const { heapMb } = JSON.parse(stdout.trim().split('\n').pop() as string) as { heapMb: number[] };
    expect(heapMb.length).toBeGreaterThanOrEqual(4);
    const [warm, ...later] = heapMb.slice(1) as [number, ...number[]];
    // One page is about 0.5 MB of JSON; keeping even a tenth of each would add about 2.5 MB per
    // checkpoint (10 MB over the run). Measured here: 31.4 → 31.8 MB, i.e. flat within noise.
    expect({ heapMb, growthMb: Math.max(...later) - warm < 5 }).toEqual({ heapMb, growthMb: true });
  }, 240_000);
});
