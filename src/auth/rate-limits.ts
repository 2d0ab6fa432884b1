/**
 * Rate limits whose counts live in PostgreSQL, so every API instance behind a load balancer
 * sees the same numbers (no sticky sessions, no extra store to run):
 *   LoginLimiter    failed logins per account and per IP in a sliding window (LoginAttempt rows)
 *   RequestLimiter  requests per token per minute, a fixed-window counter (RateLimitCounter rows)
 * Old rows are swept by whichever instance gets there first, at most once a minute each.
 */
import ipaddr from 'ipaddr.js';
import type { PrismaClient } from '../generated/prisma/client';
import { tooManyRequests } from '../core/errors';
import { logger } from '../core/logging';
import { rateLimitRejections } from '../telemetry/metrics';

const SWEEP_EVERY_MS = 60_000;

/** Runs `sweep` at most once per SWEEP_EVERY_MS, in the background; failures are only logged. */
function throttledSweep(sweep: (now: Date) => Promise<unknown>): (now: Date) => void {
  let last = 0;
  return (now) => {
    if (now.getTime() - last < SWEEP_EVERY_MS) return;
    last = now.getTime();
    sweep(now).catch((err: unknown) => logger.warn('could not sweep rate-limit rows', { error: (err as Error).message }));
  };
}

export interface LoginLimits {
  maxFailures: number;
  windowMs: number;
}

/**
 * What the per-IP login limit counts by: an IPv4 address (IPv4-mapped IPv6 included) as it is,
 * an IPv6 address by its /64, since one host or customer usually holds a whole /64 and could
 * otherwise try a new address with every guess.
 */
export function addressBlock(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const addr = ipaddr.process(ip); // IPv4-mapped IPv6 becomes IPv4
  if (addr.kind() === 'ipv4') return addr.toString();
  const parts = (addr as ipaddr.IPv6).parts.slice(0, 4);
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`;
}

export class LoginLimiter {
  private readonly sweep: (now: Date) => void;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly limits: LoginLimits,
  ) {
    this.sweep = throttledSweep((now) =>
      prisma.loginAttempt.deleteMany({ where: { occurredAt: { lte: new Date(now.getTime() - limits.windowMs) } } }),
    );
  }

  /**
   * Records an attempt before the password is checked, then counts: the row is written first so
   * that concurrent guesses see each other and cannot slip past the limit together. Over the
   * limit, the row is taken back and the attempt refused with 429 + Retry-After. Returns the
   * row's id, for release() when the attempt succeeds.
   */
  async reserve(email: string, clientIp: string, now = new Date()): Promise<bigint> {
    this.sweep(now);
    const ip = addressBlock(clientIp);
    const { id } = await this.prisma.loginAttempt.create({ data: { email, ip, occurredAt: now }, select: { id: true } });
    const since = new Date(now.getTime() - this.limits.windowMs);
    const [byEmail, byIp] = await Promise.all([
      this.prisma.loginAttempt.count({ where: { email, occurredAt: { gt: since } } }),
      this.prisma.loginAttempt.count({ where: { ip, occurredAt: { gt: since } } }),
    ]);
    const max = this.limits.maxFailures;
    if (byEmail <= max && byIp <= max) return id;

    await this.prisma.loginAttempt.delete({ where: { id } });
    const over = byEmail > max ? { email, count: byEmail - 1 } : { ip, count: byIp - 1 };
    const { count, ...key } = over;
    // The next attempt is allowed once enough of the recorded ones have left the window.
    const leaving = await this.prisma.loginAttempt.findFirst({
      where: { ...key, occurredAt: { gt: since } },
      orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }],
      skip: Math.max(0, count - max),
      select: { occurredAt: true },
    });
    const retryMs = leaving ? leaving.occurredAt.getTime() + this.limits.windowMs - now.getTime() : 1000;
    logger.warn('login rate limit reached', { by: 'email' in key ? 'account' : 'ip' });
    rateLimitRejections.inc({ limiter: 'login' });
    throw tooManyRequests('Too many failed login attempts; try again later', retryMs / 1000);
  }

  /** A successful attempt does not count against the limit. */
  async release(id: bigint): Promise<void> {
    await this.prisma.loginAttempt.deleteMany({ where: { id } });
  }
}

export const REQUEST_WINDOW_MS = 60_000;

export class RequestLimiter {
  private readonly sweep: (now: Date) => void;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly perWindow: number,
  ) {
    this.sweep = throttledSweep((now) =>
      prisma.rateLimitCounter.deleteMany({ where: { windowStart: { lt: new Date(now.getTime() - REQUEST_WINDOW_MS) } } }),
    );
  }

  /** Counts one request for `key`; 429 + Retry-After (the end of the window) over the limit. */
  async hit(key: string, now = new Date()): Promise<void> {
    this.sweep(now);
    const windowStart = new Date(Math.floor(now.getTime() / REQUEST_WINDOW_MS) * REQUEST_WINDOW_MS);
    const upsert = () =>
      this.prisma.rateLimitCounter.upsert({
        where: { key_windowStart: { key, windowStart } },
        create: { key, windowStart, count: 1 },
        update: { count: { increment: 1 } },
        select: { count: true },
      });
    // Two first requests of a window may race to create the row: the loser updates it instead.
    const { count } = await upsert().catch((err: unknown) => {
      if ((err as { code?: unknown }).code === 'P2002') return upsert();
      throw err;
    });
    if (count > this.perWindow) {
      rateLimitRejections.inc({ limiter: 'token' });
      throw tooManyRequests(
        `More than ${this.perWindow} requests per minute with this token`,
        (windowStart.getTime() + REQUEST_WINDOW_MS - now.getTime()) / 1000,
      );
    }
  }
}
