/**
 * The tus DataStore of @tus/server over the content store's staging area: bytes go to
 * `store.staging` (filesystem or S3, so any instance sharing it can resume), the upload's
 * facts (recording, length, declared checksum, If-Match, metadata, expiry) to the
 * ContentUpload table. @tus/file-store and @tus/s3-store are not used: the second needs
 * ListParts/ListMultipartUploads, which no S3 server installable here implements (so it could
 * not be tested), and one store for both drivers keeps ownership, quota and expiry in one place.
 */
import { DataStore, ERRORS, Upload } from '@tus/utils';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import type { PrismaClient, Prisma } from '../generated/prisma/client';
import type { ContentStore } from '../storage';
import { isUploadId } from '../storage/keys';
import { IdleTimer } from './idle';
import type { HttpError } from '../core/errors';

/** An error @tus/server passes on as the response (the route turns its body into problem+json). */
export function tusError(err: HttpError): Error & { status_code: number; body: string } {
  const body = JSON.stringify({ type: err.type, title: err.title, detail: err.detail, errors: err.errors, headers: err.headers });
  return Object.assign(new Error(err.message), { status_code: err.status, body });
}

export interface UploadRecord {
  recordingId: string;
  length: number;
  sha256: string | null;
  ifMatch: string | null;
  metadata: Record<string, string | null> | null;
  expiresAt: Date;
}

export class ContentTusStore extends DataStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly store: ContentStore,
    private readonly limits: { expiryMs: number; idleTimeoutMs: number },
  ) {
    super();
    this.extensions = ['creation', 'creation-with-upload', 'termination', 'expiration'];
  }

  /** The facts of an upload (its row is written by the creation hook, src/content/tus.ts), or undefined. */
  async record(id: string): Promise<UploadRecord | undefined> {
    if (!isUploadId(id)) return undefined;
    const row = await this.prisma.contentUpload.findUnique({ where: { id } });
    if (!row) return undefined;
    return {
      recordingId: row.recordingId,
      length: Number(row.length),
      sha256: row.sha256,
      ifMatch: row.ifMatch,
      metadata: row.metadata as Record<string, string | null> | null,
      expiresAt: row.expiresAt,
    };
  }

  async saveRecord(id: string, r: Omit<UploadRecord, 'expiresAt'>): Promise<void> {
    await this.prisma.contentUpload.create({
      data: {
        id,
        recordingId: r.recordingId,
        length: BigInt(r.length),
        sha256: r.sha256,
        ifMatch: r.ifMatch,
        metadata: (r.metadata ?? undefined) as Prisma.InputJsonValue | undefined,
        expiresAt: new Date(Date.now() + this.limits.expiryMs),
      },
    });
  }

  override async create(upload: Upload): Promise<Upload> {
    upload.creation_date = new Date().toISOString();
    return upload;
  }

  override async getUpload(id: string): Promise<Upload> {
    const record = await this.record(id);
    if (!record) throw ERRORS.FILE_NOT_FOUND;
    return new Upload({
      id,
      size: record.length,
      offset: await this.store.staging.size(id),
      metadata: record.metadata ?? undefined,
      creation_date: new Date(record.expiresAt.getTime() - this.limits.expiryMs).toISOString(),
    });
  }

  /** A PATCH body: appended to the staged bytes; a sender that stalls is cut off (what arrived stays). */
  override async write(source: Readable, id: string, offset: number): Promise<number> {
    let stalled: HttpError | undefined;
    const watched = new Transform({
      transform(chunk: Buffer, _enc, done) {
        idle.touch();
        done(null, chunk);
      },
    });
    const idle = new IdleTimer(this.limits.idleTimeoutMs, (err) => {
      stalled = err;
      source.unpipe(watched);
      watched.end();
    });
    source.on('error', (err) => watched.destroy(err));
    source.pipe(watched);
    try {
      const size = await this.store.staging.append(id, offset, watched);
      if (stalled) throw tusError(stalled as HttpError);
      return size;
    } finally {
      idle.stop();
    }
  }

  /** Termination (DELETE) and the end of a failed or committed upload: bytes and row go. */
  override async remove(id: string): Promise<void> {
    await this.store.staging.remove(id);
    await this.prisma.contentUpload.deleteMany({ where: { id } });
  }

  override getExpiration(): number {
    return this.limits.expiryMs;
  }

  override async deleteExpired(): Promise<number> {
    const expired = await this.prisma.contentUpload.findMany({ where: { expiresAt: { lt: new Date() } }, select: { id: true } });
    for (const { id } of expired) await this.remove(id);
    return expired.length;
  }
}
