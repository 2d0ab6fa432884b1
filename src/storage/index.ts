/** The content store chosen by the configuration (STORAGE_DRIVER). */
import type { StorageConfig } from '../core/config';
import { FileSystemStore } from './filesystem';
import { S3Store } from './s3';
import type { ContentStore } from './store';

export function createContentStore(config: StorageConfig): ContentStore {
  return config.driver === 's3' ? new S3Store(config) : new FileSystemStore(config.dir);
}

export type { ContentStore, ByteRange, StoredObject, UploadStaging } from './store';
export { ObjectNotFound } from './store';
