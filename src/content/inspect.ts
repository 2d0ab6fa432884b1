/**
 * The one pass every uploaded byte goes through on its way to the store (PUT and finished
 * resumable uploads alike): counts it, hashes it (SHA-256), enforces the size limit, notices a
 * stalled sender, and reads the file's header for the formats the platform knows. Errors are
 * HttpErrors, so the route answers 413 / 408 / 422 from them.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { HttpError } from '../core/errors';
import { MalformedHeader, type FileFacts, type FormatReader } from './formats';
import type { FileHeader } from './formats/types';
import { IdleTimer } from './idle';

/** A header larger than this is refused (EDF with 4096 signals needs 1 MiB). */
export const MAX_HEADER_BYTES = 4 * 1024 * 1024;

export interface InspectOptions {
  /** Largest number of bytes accepted; beyond, the stream fails with `tooLarge()` (a 413). */
  maxBytes: number;
  tooLarge: () => HttpError;
  /** No byte for this long: 408. 0: no idle limit (the bytes come from the store). */
  idleTimeoutMs: number;
  reader: FormatReader | undefined;
}

export interface Inspection {
  size: number;
  sha256: string;
  facts: FileFacts | undefined;
}

export const contentTooLarge = (detail: string): HttpError =>
  new HttpError({ status: 413, type: 'payload-too-large', title: 'Content Too Large', detail });

export const malformedFile = (err: MalformedHeader): HttpError =>
  new HttpError({ status: 422, type: 'malformed-file', title: 'Unprocessable Content', detail: err.message });

export class Inspector extends Transform {
  private readonly hash: Hash = createHash('sha256');
  private size = 0;
  private prefix: Buffer[] = [];
  private prefixBytes = 0;
  private need = 0;
  private header: FileHeader | undefined;
  private readonly idle: IdleTimer;
  private result: Inspection | undefined;

  constructor(private readonly options: InspectOptions) {
    super({ highWaterMark: 1024 * 1024 });
    this.idle = new IdleTimer(options.idleTimeoutMs, (err) => this.destroy(err));
    // Its errors reach the caller through the pipeline that reads it; this keeps a late one
    // (a source still writing into it after it failed) from being an uncaught 'error' event.
    this.on('error', () => undefined);
  }

  /** The size, checksum and header facts, once the stream has ended without error. */
  get inspection(): Inspection {
    if (!this.result) throw new Error('the inspection is not finished');
    return this.result;
  }

  private readHeader(final: boolean): void {
    const reader = this.options.reader;
    if (!reader || this.header) return;
    if (!final && this.prefixBytes < this.need) return;
    const prefix = Buffer.concat(this.prefix, this.prefixBytes);
    this.prefix = [prefix];
    const read = reader.read(prefix);
    if ('header' in read) {
      this.header = read.header;
      this.prefix = [];
      return;
    }
    this.need = read.need;
    if (final) throw new MalformedHeader(reader.name, `the file ends inside its header (${this.prefixBytes} bytes, ${read.need} needed)`);
    if (read.need > MAX_HEADER_BYTES) throw new MalformedHeader(reader.name, `its header is longer than ${MAX_HEADER_BYTES} bytes`);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.idle.touch();
    this.size += chunk.length;
    if (this.size > this.options.maxBytes) {
      callback(this.options.tooLarge());
      return;
    }
    this.hash.update(chunk);
    try {
      if (this.options.reader && !this.header) {
        this.prefix.push(chunk);
        this.prefixBytes += chunk.length;
        this.readHeader(false);
      }
    } catch (err) {
      callback(err instanceof MalformedHeader ? malformedFile(err) : (err as Error));
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.idle.stop();
    try {
      this.readHeader(true);
      this.result = { size: this.size, sha256: this.hash.digest('hex'), facts: this.header?.complete(this.size) };
      callback();
    } catch (err) {
      callback(err instanceof MalformedHeader ? malformedFile(err) : (err as Error));
    }
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.idle.stop();
    callback(err);
  }
}
