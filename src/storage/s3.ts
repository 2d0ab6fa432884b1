/**
 * The S3 driver: any S3-compatible object store through the AWS SDK v3. Objects are written
 * with @aws-sdk/lib-storage (multipart above one part size, parts uploaded in parallel, the
 * multipart upload aborted on failure so no part stays behind). Unfinished resumable uploads
 * are kept as one object per piece, `<prefix>staging/<id>/<offset>`, so any instance can
 * resume any upload and only PUT/GET/LIST/DELETE of plain objects are needed for them.
 */
import { PassThrough, Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { StorageConfig } from '../core/config';
import type { CheckResult } from '../db/health';
import { checkedUploadId } from './keys';
import { ObjectNotFound, type ByteRange, type ContentStore, type StoredObject, type UploadStaging } from './store';

type S3Config = Extract<StorageConfig, { driver: 's3' }>;

const NOT_FOUND = new Set(['NoSuchKey', 'NotFound']);
const isNotFound = (err: unknown): boolean => NOT_FOUND.has((err as { name?: string }).name ?? '');

export class S3Store implements ContentStore {
  readonly kind = 's3';
  readonly staging: UploadStaging;
  readonly client: S3Client;

  constructor(private readonly config: S3Config) {
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      // a copy: the SDK annotates the object, and the configuration is frozen
      credentials: config.credentials && { ...config.credentials },
    });
    this.staging = new S3Staging(this, `${config.prefix}staging/`, config.partSizeBytes);
  }

  get bucket(): string {
    return this.config.bucket;
  }

  private full(key: string): string {
    return this.config.prefix + key;
  }

  async write(key: string, source: Readable, signal?: AbortSignal): Promise<void> {
    await this.upload(this.full(key), source, signal);
  }

  /** Streams into one object (multipart above one part); on failure the multipart upload is aborted. */
  async upload(fullKey: string, source: Readable, signal?: AbortSignal): Promise<void> {
    // lib-storage reads the body itself; a source error must reach it, so the body is a PassThrough fed by source.
    const body = new PassThrough({ highWaterMark: 1024 * 1024 });
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.config.bucket, Key: fullKey, Body: body },
      partSize: this.config.partSizeBytes,
      queueSize: 4,
      leavePartsOnError: false,
    });
    // Failing the body (not upload.abort(), whose promise settles before the multipart upload is
    // aborted) makes done() reject only after lib-storage has sent AbortMultipartUpload.
    const fail = (err: unknown): void => {
      body.destroy(err instanceof Error ? err : new Error(String(err)));
    };
    source.on('error', fail);
    signal?.addEventListener('abort', () => fail(signal.reason), { once: true });
    source.pipe(body);
    try {
      await upload.done();
    } catch (err) {
      // lib-storage reports its own "Upload aborted"; the cause is the source's error (a 413, a client gone).
      throw source.errored ?? (signal?.aborted ? signal.reason : err);
    }
    if (signal?.aborted || source.errored) {
      // The object was completed in the race with the abort: take it away again.
      await this.removeFull(fullKey);
      throw signal?.reason ?? source.errored;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    return this.readFull(this.full(key), range);
  }

  async readFull(fullKey: string, range?: ByteRange): Promise<Readable> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.config.bucket, Key: fullKey, Range: range ? `bytes=${range.start}-${range.end}` : undefined }),
      );
      return out.Body as Readable;
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFound(fullKey);
      throw err;
    }
  }

  async remove(key: string): Promise<void> {
    await this.removeFull(this.full(key));
  }

  async removeFull(fullKey: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: fullKey }));
  }

  /** Removes up to 1000 objects per request. */
  async removeMany(fullKeys: string[]): Promise<void> {
    for (let i = 0; i < fullKeys.length; i += 1000) {
      const batch = fullKeys.slice(i, i + 1000);
      await this.client.send(
        new DeleteObjectsCommand({ Bucket: this.config.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
      );
    }
  }

  async *listFull(fullPrefix: string): AsyncIterable<_Object & { Key: string }> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.config.bucket, Prefix: fullPrefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) if (o.Key) yield o as _Object & { Key: string };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    for await (const o of this.listFull(this.full(prefix))) {
      yield { key: o.Key.slice(this.config.prefix.length), size: o.Size ?? 0, modifiedAt: o.LastModified ?? new Date(0) };
    }
  }

  async check(): Promise<CheckResult> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.config.bucket }), { abortSignal: AbortSignal.timeout(2_000) });
      return { name: 'storage', ok: true, detail: 's3' };
    } catch (err) {
      const name = (err as { name?: string }).name ?? 'error';
      return { name: 'storage', ok: false, detail: `s3 bucket unreachable (${name})` };
    }
  }
}

/** One object per piece of an upload, named by the offset it starts at (zero-padded, so they list in order). */
class S3Staging implements UploadStaging {
  constructor(
    private readonly store: S3Store,
    private readonly prefix: string,
    private readonly pieceBytes: number,
  ) {}

  private dir(id: string): string {
    return `${this.prefix}${checkedUploadId(id)}/`;
  }

  /** The pieces that continue each other from offset 0 (a piece left by a concurrent writer at an older offset is skipped). */
  private async pieces(id: string): Promise<Array<{ key: string; offset: number; size: number }>> {
    const all: Array<{ key: string; offset: number; size: number }> = [];
    for await (const o of this.store.listFull(this.dir(id))) {
      all.push({ key: o.Key, offset: Number(o.Key.slice(this.dir(id).length)), size: o.Size ?? 0 });
    }
    all.sort((a, b) => a.offset - b.offset);
    const chain: typeof all = [];
    let next = 0;
    for (const piece of all) {
      if (piece.offset !== next || piece.size === 0) continue;
      chain.push(piece);
      next += piece.size;
    }
    return chain;
  }

  async size(id: string): Promise<number> {
    return (await this.pieces(id)).reduce((sum, p) => sum + p.size, 0);
  }

  async append(id: string, offset: number, source: Readable): Promise<number> {
    let buffered: Buffer[] = [];
    let bufferedBytes = 0;
    let at = offset;
    const flush = async (): Promise<void> => {
      if (!bufferedBytes) return;
      const body = Buffer.concat(buffered, bufferedBytes);
      buffered = [];
      bufferedBytes = 0;
      await this.store.client.send(
        new PutObjectCommand({ Bucket: this.store.bucket, Key: `${this.dir(id)}${String(at).padStart(16, '0')}`, Body: body }),
      );
      at += body.length;
    };
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        buffered.push(chunk);
        bufferedBytes += chunk.length;
        if (bufferedBytes >= this.pieceBytes) await flush();
      }
    } finally {
      // Bytes that arrived are kept, also when the request broke off: the client resumes after them.
      await flush();
    }
    return at;
  }

  async read(id: string): Promise<Readable> {
    const pieces = await this.pieces(id);
    const store = this.store;
    return Readable.from(
      (async function* () {
        for (const piece of pieces) yield* (await store.readFull(piece.key)) as AsyncIterable<Buffer>;
      })(),
      { objectMode: false },
    );
  }

  async promote(): Promise<boolean> {
    return false; // S3 has no rename: the content service copies the bytes while it verifies them
  }

  async remove(id: string): Promise<void> {
    const keys: string[] = [];
    for await (const o of this.store.listFull(this.dir(id))) keys.push(o.Key);
    await this.store.removeMany(keys);
  }

  async *list(): AsyncIterable<{ id: string; modifiedAt: Date }> {
    const latest = new Map<string, Date>();
    for await (const o of this.store.listFull(this.prefix)) {
      const id = o.Key.slice(this.prefix.length).split('/')[0] ?? '';
      const at = o.LastModified ?? new Date(0);
      if (!latest.has(id) || (latest.get(id) as Date) < at) latest.set(id, at);
    }
    for (const [id, modifiedAt] of latest) yield { id, modifiedAt };
  }
}
