/**
 * The FileStore for a configuration. Only local disk exists so far: files live in
 * `<dataDir>/storage`, as in PocketBase's `pb_data/storage`. S3 joins here, chosen by its options.
 */
import { join } from 'node:path';
import type { FileStore } from './file-store.js';
import { LocalFileStore } from './local/local-file-store.js';

export interface CreateFileStoreOptions {
  /** The data folder; local files go to its `storage/` subfolder. */
  dataDir: string;
}

export function createFileStore(options: CreateFileStoreOptions): FileStore {
  return new LocalFileStore({ root: join(options.dataDir, 'storage') });
}
