/**
 * The filesystem driver (the default): objects under `<dir>/objects/<key>`, unfinished
 * resumable uploads under `<dir>/staging/<id>`. A write goes to `<dir>/tmp/` first and is
 * renamed into place after an fsync, so an object is whole or absent, also after a crash.
 * Several instances may share the directory (a shared volume): see docs/storage.md.
 */
import { createReadStream, createWriteStream, constants as fsConstants } from 'node:fs';
import { access, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { CheckResult } from '../db/health';
import { checkedUploadId } from './keys';
import { ObjectNotFound, type ByteRange, type ContentStore, type StoredObject, type UploadStaging } from './store';

const isMissing = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** fsync: the bytes are on disk before a row may point to them. */
async function syncFile(file: string): Promise<void> {
  const handle = await open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export class FileSystemStore implements ContentStore {
  readonly kind = 'filesystem';
  readonly staging: UploadStaging;
  private readonly objects: string;
  private readonly tmp: string;

  constructor(readonly dir: string) {
    this.objects = path.join(dir, 'objects');
    this.tmp = path.join(dir, 'tmp');
    this.staging = new FileSystemStaging(path.join(dir, 'staging'), (key) => this.pathOf(key));
  }

  /** The file of a key; keys are made by src/storage/keys.ts, this only guards against escapes. */
  private pathOf(key: string): string {
    const file = path.join(this.objects, key);
    if (!file.startsWith(this.objects + path.sep) || key.split('/').some((s) => s === '..' || s === '')) {
      throw new Error(`not a valid object key: ${JSON.stringify(key)}`);
    }
    return file;
  }

  async write(key: string, source: Readable, signal?: AbortSignal): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(this.tmp, { recursive: true });
    const temp = path.join(this.tmp, randomUUID());
    try {
      await pipeline(source, createWriteStream(temp, { flags: 'wx', highWaterMark: 1024 * 1024 }), { signal });
      await syncFile(temp);
      await mkdir(path.dirname(target), { recursive: true });
      await rename(temp, target);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    try {
      const handle = await open(this.pathOf(key), 'r');
      return handle.createReadStream({ highWaterMark: 1024 * 1024, ...(range ? { start: range.start, end: range.end } : {}) });
    } catch (err) {
      if (isMissing(err)) throw new ObjectNotFound(key);
      throw err;
    }
  }

  async remove(key: string): Promise<void> {
    const file = this.pathOf(key);
    await rm(file, { force: true });
    // Leave no empty directory of a recording behind (another write may be filling it: then it stays).
    await rm(path.dirname(file), { recursive: false }).catch(() => undefined);
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    // Start in the deepest directory the prefix names (one recording's, not all of them).
    const start = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    if (start.split('/').some((s) => s === '..' || s === '.')) throw new Error(`not a valid prefix: ${JSON.stringify(prefix)}`);
    yield* walk(this.objects, start, prefix);
  }

  /** Temporary files of writes that never finished (a crashed process): older than `before`. */
  async removeStaleTemporaries(before: Date): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.tmp).catch(() => [] as string[])) {
      const file = path.join(this.tmp, name);
      const info = await stat(file).catch(() => undefined);
      if (info && info.mtime < before) {
        await rm(file, { force: true });
        removed++;
      }
    }
    return removed;
  }

  async check(): Promise<CheckResult> {
    try {
      await mkdir(this.objects, { recursive: true });
      await access(this.objects, fsConstants.W_OK);
      return { name: 'storage', ok: true, detail: 'filesystem' };
    } catch (err) {
      return { name: 'storage', ok: false, detail: `filesystem not writable (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
    }
  }
}

async function* walk(root: string, relative: string, prefix: string): AsyncIterable<StoredObject> {
  const entries = await readdir(path.join(root, relative), { withFileTypes: true }).catch((err: unknown) => {
    if (isMissing(err)) return [];
    throw err;
  });
  for (const entry of entries) {
    const key = relative ? `${relative}/${entry.name}` : entry.name;
    // Only descend where the prefix can still match.
    if (!(key.startsWith(prefix) || prefix.startsWith(`${key}/`))) continue;
    if (entry.isDirectory()) yield* walk(root, key, prefix);
    else if (entry.isFile() && key.startsWith(prefix)) {
      const info = await stat(path.join(root, key)).catch(() => undefined);
      if (info) yield { key, size: info.size, modifiedAt: info.mtime };
    }
  }
}

class FileSystemStaging implements UploadStaging {
  constructor(
    private readonly dir: string,
    private readonly objectPath: (key: string) => string,
  ) {}

  private file(id: string): string {
    return path.join(this.dir, checkedUploadId(id));
  }

  async size(id: string): Promise<number> {
    const info = await stat(this.file(id)).catch((err: unknown) => {
      if (isMissing(err)) return undefined;
      throw err;
    });
    return info?.size ?? 0;
  }

  async append(id: string, offset: number, source: Readable): Promise<number> {
    await mkdir(this.dir, { recursive: true });
    const file = this.file(id);
    // Positional writes (not O_APPEND): two writers at the same offset write the same places.
    await (await open(file, 'a')).close();
    let written = 0;
    source.on('data', (chunk: Buffer) => (written += chunk.length));
    // On failure what reached the file stays: the client resumes from size().
    await pipeline(source, createWriteStream(file, { flags: 'r+', start: offset, highWaterMark: 1024 * 1024 }));
    return offset + written;
  }

  async read(id: string): Promise<Readable> {
    return createReadStream(this.file(id), { highWaterMark: 1024 * 1024 });
  }

  async promote(id: string, key: string): Promise<boolean> {
    await syncFile(this.file(id));
    const target = this.objectPath(key);
    await mkdir(path.dirname(target), { recursive: true });
    await rename(this.file(id), target);
    return true;
  }

  async remove(id: string): Promise<void> {
    await rm(this.file(id), { force: true });
  }

  async *list(): AsyncIterable<{ id: string; modifiedAt: Date }> {
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      const info = await stat(path.join(this.dir, name)).catch(() => undefined);
      if (info) yield { id: name, modifiedAt: info.mtime };
    }
  }
}
