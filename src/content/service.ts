/**
 * Recording content: the start check of an upload, streaming it through the inspection into a
 * new object, verification, and the commit that points the recording at it (one transaction
 * with its event-log row); deletion. The recording row is read at the start and locked only in
 * the commit transaction: no connection or transaction is held while bytes flow.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { Writable, finished, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Principal } from '../auth/principal';
import type { Config } from '../core/config';
import { HttpError, notFound, preconditionFailed } from '../core/errors';
import { logger } from '../core/logging';
import type { PrismaClient, Prisma } from '../generated/prisma/client';
import { diff, recordEvent } from '../resources/audit';
import { etagOf, matchesEtag } from '../resources/output';
import { visibleWhere, type ResourceService } from '../resources/service';
import type { ContentStore } from '../storage';
import { contentKey, recordingPrefix } from '../storage/keys';
import { readerFor, type FileFacts, type FormatReader } from './formats';
import { contentEtag } from './http';
import { Inspector, contentTooLarge, type Inspection } from './inspect';
import { lockQuota, quotaExceeded, usedBytes } from './quota';

export type RecordingRow = Prisma.RecordingGetPayload<object>;
type Row = Record<string, unknown> & { id: unknown };

const TRANSACTION = { timeout: 30_000, maxWait: 5_000 };

export interface ContentDeps {
  prisma: PrismaClient;
  /** The quoted PostgreSQL schema (for raw queries). */
  schema: string;
  store: ContentStore;
  recordings: ResourceService;
  limits: Config['content'];
}

/** What the start check found: where the bytes may go and how many. */
export interface UploadPlan {
  recording: RecordingRow;
  maxBytes: number;
  tooLarge: () => HttpError;
  reader: FormatReader | undefined;
}

export interface UploadOptions {
  ifMatch?: string | undefined;
  /** Checksums the client declared for the whole file (digest headers, tus metadata). */
  declared?: Array<string | undefined>;
  /** The upload's id (a resumable upload keeps its own); new for a PUT. */
  uploadId?: string;
}

export interface Committed {
  recording: Record<string, unknown>;
  /** Whether the recording had no content before (201 rather than 200). */
  created: boolean;
  sha256: string;
}

/**
 * What the service reports, for metrics: `uploaded` { recordingId, bytes } after a commit,
 * `downloaded` { recordingId, bytes } after a GET has sent its body (or as much as the client took).
 */
export interface ContentEvents {
  uploaded: [{ recordingId: string; bytes: number }];
  downloaded: [{ recordingId: string; bytes: number }];
}

export class ContentService {
  readonly events = new EventEmitter<ContentEvents>();

  constructor(readonly deps: ContentDeps) {}

  /** A recording the principal may see, with its content key; 404 otherwise. */
  async find(p: Principal, id: string): Promise<RecordingRow> {
    const row = await this.deps.prisma.recording.findFirst({ where: { id, ...visibleWhere(this.deps.recordings.d, p) } });
    if (!row) throw notFound(`No recording with id ${id}`);
    return row;
  }

  /** A recording whoever owns it: for a worker key that holds a run of it (the route has checked that). */
  async findHeld(id: string): Promise<RecordingRow> {
    const row = await this.deps.prisma.recording.findUnique({ where: { id } });
    if (!row) throw notFound(`No recording with id ${id}`);
    return row;
  }

  /** The recording's ETag or, when it has content, the content's: If-Match may name either. */
  checkIfMatch(p: Principal, row: Row, ifMatch: string | undefined): void {
    if (ifMatch === undefined) return;
    const tags = [etagOf(this.deps.recordings.output(row, p)), ...(row.contentKey && row.sha256 ? [contentEtag(String(row.sha256))] : [])];
    if (!tags.some((tag) => matchesEtag(ifMatch, tag))) {
      throw preconditionFailed('The recording has changed since you read it (If-Match matches neither its ETag nor its content’s)');
    }
  }

  /** The checks made before any byte is accepted: 404, 412, 413 (size limit, quota). */
  async begin(p: Principal, id: string, options: { ifMatch?: string; length?: number; uploadId?: string }): Promise<UploadPlan> {
    const recording = await this.find(p, id);
    this.checkIfMatch(p, recording, options.ifMatch);
    const { maxBytes, quotaBytes } = this.deps.limits;
    const sizeLimit = () => contentTooLarge(`The largest file accepted is ${maxBytes} bytes`);
    if (options.length !== undefined && options.length > maxBytes) throw sizeLimit();
    let limit = maxBytes;
    let tooLarge = sizeLimit;
    if (quotaBytes !== undefined) {
      const used = await usedBytes(this.deps.prisma, this.deps.schema, recording.userId, {
        recordingId: recording.id,
        uploadId: options.uploadId,
      });
      const remaining = Math.max(0, quotaBytes - used);
      if (options.length !== undefined && options.length > remaining) throw quotaExceeded(quotaBytes, used, options.length);
      if (remaining < limit) {
        limit = remaining;
        tooLarge = () => quotaExceeded(quotaBytes, used, undefined);
      }
    }
    return { recording, maxBytes: limit, tooLarge, reader: readerFor(recording.format) };
  }

  private inspector(plan: UploadPlan, idleTimeoutMs: number): Inspector {
    return new Inspector({ maxBytes: plan.maxBytes, tooLarge: plan.tooLarge, idleTimeoutMs, reader: plan.reader });
  }

  /** A PUT body: streamed through the inspection into a new object, then verified and committed. */
  async upload(p: Principal, plan: UploadPlan, body: Readable, options: UploadOptions): Promise<Committed> {
    const key = contentKey(plan.recording.id, options.uploadId ?? randomUUID());
    const inspector = this.inspector(plan, this.deps.limits.idleTimeoutMs);
    // A failing body (client gone, stalled) must fail the inspector, which the store is reading.
    finished(body, (err) => err && inspector.destroy(err));
    body.pipe(inspector);
    await this.deps.store.write(key, inspector);
    return this.verifyAndCommit(p, plan, key, inspector.inspection, options);
  }

  /**
   * A finished resumable upload: its staged bytes go through the same inspection; then they are
   * moved into place (filesystem) or copied while inspected (S3), verified and committed.
   */
  async finishStaged(p: Principal, plan: UploadPlan, uploadId: string, options: UploadOptions): Promise<Committed> {
    const { store } = this.deps;
    const key = contentKey(plan.recording.id, uploadId);
    const inspector = this.inspector(plan, 0);
    const staged = await store.staging.read(uploadId);
    if (store.kind === 'filesystem') {
      await pipeline(staged, inspector, new Writable({ write: (_chunk, _enc, done) => done() }));
      await store.staging.promote(uploadId, key);
    } else {
      finished(staged, (err) => err && inspector.destroy(err));
      await store.write(key, staged.pipe(inspector));
    }
    return this.verifyAndCommit(p, plan, key, inspector.inspection, options);
  }

  private async verifyAndCommit(
    p: Principal,
    plan: UploadPlan,
    key: string,
    inspection: Inspection,
    options: UploadOptions,
  ): Promise<Committed> {
    let committed: { out: Committed; previous: string | null } | undefined;
    try {
      for (const declared of options.declared ?? []) {
        if (declared !== undefined && declared !== inspection.sha256)
          throw digestMismatch('the declared digest', declared, inspection.sha256);
      }
      committed = await this.commit(p, plan.recording.id, key, inspection, options, plan.reader !== undefined);
    } finally {
      if (!committed) await this.removeQuietly(key);
    }
    if (committed.previous && committed.previous !== key) await this.removeQuietly(committed.previous);
    this.events.emit('uploaded', { recordingId: plan.recording.id, bytes: inspection.size });
    return committed.out;
  }

  private async commit(
    p: Principal,
    id: string,
    key: string,
    inspection: Inspection,
    options: UploadOptions,
    readsHeader: boolean,
  ): Promise<{ out: Committed; previous: string | null }> {
    const { recordings, limits, schema } = this.deps;
    return this.deps.prisma.$transaction(async (tx) => {
      const existing = await recordings.lockAndFind(tx, p, id);
      const { contentKey: previous } = await tx.recording.findUniqueOrThrow({ where: { id }, select: { contentKey: true } });
      this.checkIfMatch(p, { ...existing, contentKey: previous }, options.ifMatch);
      // Without content, a sha256 on the recording is the client's declaration of the file to come.
      if (!previous && typeof existing.sha256 === 'string' && existing.sha256 !== inspection.sha256) {
        throw digestMismatch('the recording’s sha256', existing.sha256, inspection.sha256);
      }
      const owner = String(existing.userId);
      if (limits.quotaBytes !== undefined) {
        await lockQuota(tx, owner);
        const used = await usedBytes(tx, schema, owner, { recordingId: id, uploadId: options.uploadId });
        if (used + inspection.size > limits.quotaBytes) throw quotaExceeded(limits.quotaBytes, used, inspection.size);
      }
      const data = {
        contentKey: key,
        sizeBytes: BigInt(inspection.size),
        sha256: inspection.sha256,
        status: 'READY' as const,
        ...headerFields(existing, inspection.facts, readsHeader),
      };
      const row = await tx.recording.update({ where: { id }, data, omit: { contentKey: true } });
      await recordEvent(tx, {
        actorId: p.userId,
        action: 'recording.content_uploaded',
        entityType: 'recording',
        entityId: id,
        changes: diff(existing, row),
      });
      return { out: { recording: recordings.output(row, p), created: !previous, sha256: inspection.sha256 }, previous };
    }, TRANSACTION);
  }

  /** DELETE …/content: the recording goes back to PENDING without a file; the object is removed after the commit. */
  async remove(p: Principal, id: string, ifMatch: string | undefined): Promise<void> {
    const { recordings } = this.deps;
    const previous = await this.deps.prisma.$transaction(async (tx) => {
      const existing = await recordings.lockAndFind(tx, p, id);
      const { contentKey: key } = await tx.recording.findUniqueOrThrow({ where: { id }, select: { contentKey: true } });
      if (!key) throw notFound(`The recording ${id} has no content`);
      this.checkIfMatch(p, { ...existing, contentKey: key }, ifMatch);
      const metadata = { ...(existing.metadata as Record<string, unknown>) };
      delete metadata.fileHeader;
      const row = await tx.recording.update({
        where: { id },
        data: { contentKey: null, sizeBytes: null, sha256: null, status: 'PENDING', metadata: metadata as Prisma.InputJsonObject },
        omit: { contentKey: true },
      });
      await recordEvent(tx, {
        actorId: p.userId,
        action: 'recording.content_deleted',
        entityType: 'recording',
        entityId: id,
        changes: diff(existing, row),
      });
      return key;
    }, TRANSACTION);
    await this.removeQuietly(previous);
  }

  /** After a recording's deletion has committed: every object of it goes. */
  async recordingDeleted(id: string): Promise<void> {
    for await (const object of this.deps.store.list(recordingPrefix(id))) await this.removeQuietly(object.key);
  }

  /** Removal whose failure leaves an orphan for the sweep rather than failing a request that succeeded. */
  async removeQuietly(key: string): Promise<void> {
    await this.deps.store
      .remove(key)
      .catch((err: unknown) => logger.warn('could not remove a content object (the sweep will)', { key, error: (err as Error).message }));
  }
}

const digestMismatch = (what: string, declared: string, actual: string): HttpError =>
  new HttpError({
    status: 422,
    type: 'digest-mismatch',
    title: 'Unprocessable Content',
    detail: `The file's SHA-256 is ${actual}, ${what} says ${declared}; the previous content (if any) is kept`,
  });

/**
 * What the header says, for the recording. The file is the authority on its own signal
 * properties, so sampleRateHz, channelCount and durationMs are taken from it even when the client
 * set other values (the event log keeps the old ones); recordedAt only fills a gap, because EDF
 * stores a local time without a zone. The header's details go into `metadata.fileHeader`.
 */
function headerFields(existing: Row, facts: FileFacts | undefined, readsHeader: boolean): Prisma.RecordingUpdateInput {
  const metadata = { ...(existing.metadata as Record<string, unknown>) };
  if (!readsHeader || !facts) {
    delete metadata.fileHeader;
    return { metadata: metadata as Prisma.InputJsonObject };
  }
  metadata.fileHeader = facts.fileHeader;
  return {
    ...(facts.sampleRateHz === undefined ? {} : { sampleRateHz: facts.sampleRateHz }),
    ...(facts.channelCount === undefined ? {} : { channelCount: facts.channelCount }),
    ...(facts.durationMs === undefined ? {} : { durationMs: facts.durationMs }),
    ...(facts.recordedAt && !existing.recordedAt ? { recordedAt: facts.recordedAt } : {}),
    metadata: metadata as Prisma.InputJsonObject,
  };
}
