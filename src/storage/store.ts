/**
 * The content store: where recordings' files are kept. One small interface, two drivers
 * (src/storage/filesystem.ts, src/storage/s3.ts), chosen by STORAGE_DRIVER (docs/storage.md).
 * Keys are made from ids by src/storage/keys.ts, never from client input.
 */
import type { Readable } from 'node:stream';
import type { CheckResult } from '../db/health';

/** A byte range, both ends inclusive (as in HTTP). */
export interface ByteRange {
  start: number;
  end: number;
}

export interface StoredObject {
  key: string;
  size: number;
  modifiedAt: Date;
}

/** A key the store has no object for. */
export class ObjectNotFound extends Error {
  constructor(readonly key: string) {
    super(`no object at ${key}`);
    this.name = 'ObjectNotFound';
  }
}

export interface ContentStore {
  readonly kind: 'filesystem' | 's3';
  /**
   * Streams `source` into a new object at `key`; resolves once it is durable. If the source fails
   * or `signal` aborts, nothing is left behind: the object appears whole or not at all.
   */
  write(key: string, source: Readable, signal?: AbortSignal): Promise<void>;
  /** The object's bytes, or one range of them; rejects with ObjectNotFound. */
  read(key: string, range?: ByteRange): Promise<Readable>;
  /** Removes the object; a missing one is not an error. */
  remove(key: string): Promise<void>;
  /** Every object whose key starts with `prefix`. */
  list(prefix: string): AsyncIterable<StoredObject>;
  /** For readiness: can the store be reached (and, for the filesystem, written)? */
  check(): Promise<CheckResult>;
  /** Bytes of resumable uploads that have not finished (src/content/tus-store.ts). */
  readonly staging: UploadStaging;
}

/**
 * The bytes of unfinished resumable uploads, by upload id. Bytes that arrived are kept even when
 * the request that carried them broke off: the client resumes from `size()`.
 */
export interface UploadStaging {
  /** How many bytes are held (0 when none). */
  size(id: string): Promise<number>;
  /** Appends `source` at `offset` (the current size); resolves with the new size. */
  append(id: string, offset: number, source: Readable): Promise<number>;
  /** The bytes held, in order. */
  read(id: string): Promise<Readable>;
  /** Moves the bytes to object `key` when the store can do so without copying; false when it cannot. */
  promote(id: string, key: string): Promise<boolean>;
  remove(id: string): Promise<void>;
  /** Every upload with bytes held, with when it last received some. */
  list(): AsyncIterable<{ id: string; modifiedAt: Date }>;
}
