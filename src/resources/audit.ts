/**
 * The audit trail: one EventLog row per create, update and delete (and per auth event),
 * written with the same transaction client as the change, so both are kept or neither.
 */
import { currentRequestId } from '../core/context';
import type { Prisma } from '../generated/prisma/client';
import type { ApiKeyEntityType } from '../auth/api-keys';
import type { ResourceEntityType } from './registry';

/** What an event is about: a registered resource's entity type (src/resources/registry.ts), or an API key. */
export type EntityType = ResourceEntityType | ApiKeyEntityType;

export interface AuditEvent {
  actorId: string | null;
  /**
   * `<entityType>.<verb>`: created, updated, deleted; user.login, user.login_failed, apikey.revoked;
   * run.claimed, run.succeeded, run.failed, run.lease_expired, run.cancelled (src/runs/sql.ts).
   */
  action: string;
  entityType: EntityType;
  entityId: string;
  changes?: { before?: Record<string, unknown>; after?: Record<string, unknown> } | null;
}

/** Fields whose values never reach the event log. */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(['passwordHash', 'tokenHash', 'password', 'token', 'secret']);
export const REDACTED = '[redacted]';

type Tx = Pick<Prisma.TransactionClient, 'eventLog'>;

export async function recordEvent(tx: Tx, event: AuditEvent): Promise<void> {
  await tx.eventLog.create({
    data: {
      actorId: event.actorId,
      action: event.action,
      entityType: event.entityType,
      entityId: event.entityId,
      requestId: currentRequestId() ?? null,
      changes: (event.changes ?? undefined) as Prisma.InputJsonValue | undefined,
    },
  });
}

export async function recordEvents(tx: Tx, events: AuditEvent[]): Promise<void> {
  if (!events.length) return;
  const requestId = currentRequestId() ?? null;
  await tx.eventLog.createMany({
    data: events.map((e) => ({
      actorId: e.actorId,
      action: e.action,
      entityType: e.entityType,
      entityId: e.entityId,
      requestId,
      changes: (e.changes ?? undefined) as Prisma.InputJsonValue | undefined,
    })),
  });
}

/** JSON-safe copy of a field value (BigInt → string, Date → ISO string). */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  return value;
}

function redact(key: string, value: unknown): unknown {
  return SECRET_FIELDS.has(key) ? (value === null || value === undefined ? value : REDACTED) : plain(value);
}

/** Before/after of the fields that changed, secrets redacted; `updatedAt` is noise and left out. */
export function diff(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): { before: Record<string, unknown>; after: Record<string, unknown> } {
  const b: Record<string, unknown> = {};
  const a: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    if (key === 'updatedAt') continue;
    if (JSON.stringify(plain(before[key])) !== JSON.stringify(plain(after[key]))) {
      b[key] = redact(key, before[key]);
      a[key] = redact(key, after[key]);
    }
  }
  return { before: b, after: a };
}

/** All fields of a created or deleted row, secrets redacted. */
export function snapshot(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, redact(k, v)]));
}
