/**
 * How the server's V8 uses memory (HEAP_GROWTH_PERCENT, WASM_OPTIMIZE; docs/scaling.md "Memory").
 * Applied by src/main.ts before the database is opened, i.e. before Prisma compiles its
 * WebAssembly query compiler; scripts keep V8's defaults.
 *
 * - Heap growth: after a full collection V8 lets the old generation grow to a multiple of what
 *   survived, a multiple that on a machine with memory to spare approaches 4; under load most of
 *   that is request garbage promoted out of the young generation. A fixed, smaller factor keeps
 *   the heap near its live size at the price of more frequent (concurrent) full collections. It
 *   is a growth factor, not a cap: a burst that needs more memory still gets it.
 * - WebAssembly tiers: V8 first compiles Prisma's query compiler with its baseline compiler
 *   (Liftoff), then recompiles the hot functions with its optimizing one on background threads,
 *   whose scratch memory stays in the process (about 40–60 MB of resident memory). Prisma's
 *   compiler only runs for the requests that go through Prisma (writes' one statement, include=),
 *   so the baseline code costs little CPU there.
 */
import v8 from 'node:v8';
import type { Config } from './config';

// Node 24's V8 (13.6) does not change its heap growth for --heap-growing-percent, at run time or
// on the command line (docs/scaling.md "Memory"); Node 20 and 22 do.

/** The V8 flags for these settings (none when both are V8's defaults). */
export function v8Flags(runtime: Config['runtime']): string[] {
  const flags: string[] = [];
  if (runtime.heapGrowthPercent > 0) flags.push(`--heap-growing-percent=${runtime.heapGrowthPercent}`);
  // Node 20 and 22 honour --liftoff-only set at run time; Node 24's V8 (13.6) ignores it once
  // started but honours the tiering budget, a function's allowance before it is tiered up (the
  // largest value: never, in practice). Both, so that every supported line keeps baseline code.
  if (!runtime.wasmOptimize) flags.push('--liftoff-only', `--wasm-tiering-budget=${2 ** 31 - 1}`);
  return flags;
}

/** Sets the flags on this process's V8; both are read when used (each collection, each compile), so they apply from now on. */
export function applyV8Settings(runtime: Config['runtime']): string[] {
  const flags = v8Flags(runtime);
  for (const flag of flags) v8.setFlagsFromString(flag);
  return flags;
}
