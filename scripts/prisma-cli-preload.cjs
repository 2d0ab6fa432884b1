// Preloaded into every Prisma CLI process this project starts (src/db/migrations.ts).
// The WASM schema engine of Prisma 6.19 arms timeouts of 10 and 60 seconds that it does not clear, so
// `prisma migrate dev` lingers up to a minute after it is done. Unref'ing such long timers
// lets the process exit when its work is over; they still fire if it is still running.
'use strict';
const { setTimeout: original } = globalThis;
globalThis.setTimeout = function setTimeoutUnrefLong(callback, delay, ...args) {
  const timer = original(callback, delay, ...args);
  if (typeof delay === 'number' && delay >= 5_000 && typeof timer?.unref === 'function') timer.unref();
  return timer;
};
