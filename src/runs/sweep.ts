/**
 * Every instance looks for expired leases every RUNS_SWEEP_INTERVAL and puts those runs back in
 * the queue (or fails them at their last attempt). Instances may sweep at the same time: the
 * statement takes the expired runs with SKIP LOCKED, so each run is moved once.
 */
import { logger } from '../core/logging';
import type { PrismaClient } from '../generated/prisma/client';
import type { RunQueue } from './queue';

const BATCH = 500;

/** Moves every run whose lease has expired, in batches; returns how many. */
export async function sweepExpiredLeases(prisma: PrismaClient, queue: RunQueue): Promise<number> {
  let total = 0;
  for (;;) {
    const moved = await queue.expireLeases(prisma, BATCH);
    total += moved;
    if (moved < BATCH) return total;
  }
}

/** Starts the periodic sweep; returns its stop function. */
export function startLeaseSweep(prisma: PrismaClient, queue: RunQueue, intervalMs: number): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweepExpiredLeases(prisma, queue)
      .then((moved) => {
        if (moved) logger.info(`${moved} run(s) whose lease expired went back to the queue or failed`);
      })
      .catch((err: unknown) => logger.warn('could not sweep expired run leases', { error: (err as Error).message }))
      .finally(() => (running = false));
  }, intervalMs).unref();
  return () => clearInterval(timer);
}
