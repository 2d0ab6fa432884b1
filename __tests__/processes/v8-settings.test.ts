import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../../src/core/config';
import { v8Flags } from '../../src/core/v8-settings';

/** The server's memory settings (docs/scaling.md "Memory"): what they ask of V8, and that V8 does it. */
describe('V8 memory settings', () => {
  it('by default the heap grows by half of what survived and WebAssembly keeps its baseline code; 0 and true give back V8’s own behaviour', () => {
    expect(loadConfig({}).runtime).toEqual({ heapGrowthPercent: 50, wasmOptimize: false });
    expect(v8Flags(loadConfig({}).runtime)).toEqual(['--heap-growing-percent=50', '--liftoff-only', '--wasm-tiering-budget=2147483647']);
    expect(v8Flags(loadConfig({ HEAP_GROWTH_PERCENT: '0', WASM_OPTIMIZE: 'true' }).runtime)).toEqual([]);
    expect(() => loadConfig({ HEAP_GROWTH_PERCENT: '-1' })).toThrow(/HEAP_GROWTH_PERCENT/);
  });

  // The flags are set after V8 has started (src/main.ts): a process shows that they still take effect.
  const tierIn = (env: NodeJS.ProcessEnv): { flags: string[]; tier: string } =>
    JSON.parse(
      execFileSync(process.execPath, ['--allow-natives-syntax', '--require', 'tsx/cjs', path.join(__dirname, '../fixtures/wasm-tier.ts')], {
        env: { PATH: process.env.PATH, ...env },
        encoding: 'utf8',
        timeout: 60_000, // ten rounds of 1e6 calls and 200 ms at most
      }),
    );

  it('with the defaults, a hot WebAssembly function stays on the baseline compiler’s code', () => {
    expect(tierIn({})).toEqual(expect.objectContaining({ tier: 'baseline' }));
  });

  it('with WASM_OPTIMIZE=true, the same function is tiered up to optimized code', () => {
    expect(tierIn({ WASM_OPTIMIZE: 'true' })).toEqual(expect.objectContaining({ flags: ['--heap-growing-percent=50'], tier: 'optimized' }));
  });
});
