/**
 * The FileStore for a configuration: local disk (`<dataDir>/storage`, as PocketBase's
 * `pb_data/storage`) unless settings `s3.enabled`, then an S3 bucket.
 *
 * `createSettingsFileStore` is what the App uses: one FileStore object that follows the runtime
 * settings. Every call reads the current `s3` settings (a frozen object, replaced on each change,
 * so the check is one comparison) and, when they changed, switches to a store for the new ones,
 * on this node and on nodes that reloaded the settings after another node's change. A replaced
 * store is closed once the operations and read streams that were using it have finished. Files
 * are not copied between backends when switching: as in PocketBase, the new store starts empty.
 */
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Settings } from '../settings/settings-schema.js';
import type { FileAttributes, FileStore, ReadRange } from './file-store.js';
import { LocalFileStore } from './local/local-file-store.js';
import { S3FileStore } from './s3/s3-file-store.js';
import type { S3FileStoreOptions } from './s3/s3-file-store.js';

export type S3Settings = Settings['s3'];

export interface CreateFileStoreOptions {
  /** The data folder; local files go to its `storage/` subfolder. */
  dataDir: string;
  /** The `s3` settings; S3 is used when `enabled`. */
  s3?: Readonly<S3Settings> | undefined;
}

export function createFileStore(options: CreateFileStoreOptions): FileStore {
  if (options.s3?.enabled) return new S3FileStore(s3StoreOptions(options.s3));
  return new LocalFileStore({ root: join(options.dataDir, 'storage') });
}

export function s3StoreOptions(s3: Readonly<S3Settings>): S3FileStoreOptions {
  return {
    bucket: s3.bucket,
    region: s3.region,
    endpoint: s3.endpoint,
    accessKey: s3.accessKey,
    secret: s3.secret,
    forcePathStyle: s3.forcePathStyle,
    checksums: s3.checksums,
  };
}

export interface SettingsFileStoreOptions {
  dataDir: string;
  /** The current `s3` settings (read on every call). */
  s3Settings: () => Readonly<S3Settings>;
  /** Told when a replaced store fails to close. */
  onError?: (err: unknown) => void;
}

/** A FileStore that follows the `s3` settings (see the file comment). */
export function createSettingsFileStore(options: SettingsFileStoreOptions): FileStore {
  return new SettingsFileStore(options);
}

interface Lease {
  store: FileStore;
  /** Operations and open read streams using the store. */
  users: number;
  retired: boolean;
}

class SettingsFileStore implements FileStore {
  readonly #options: SettingsFileStoreOptions;
  #seen: Readonly<S3Settings> | undefined;
  #signature = '';
  #current: Lease | undefined;
  #closed = false;

  constructor(options: SettingsFileStoreOptions) {
    this.#options = options;
  }

  get kind(): 'local' | 's3' {
    return this.#lease().store.kind;
  }

  put(key: string, body: Readable | Uint8Array, contentType?: string): Promise<FileAttributes> {
    return this.#use((s) => s.put(key, body, contentType));
  }

  async get(key: string, range?: ReadRange): Promise<Readable> {
    const lease = this.#acquire();
    let stream: Readable;
    try {
      stream = await lease.store.get(key, range);
    } catch (err) {
      this.#release(lease);
      throw err;
    }
    // The store stays open while the stream is read (an S3 body lives on the client's sockets).
    stream.once('close', () => this.#release(lease));
    return stream;
  }

  stat(key: string): Promise<FileAttributes | undefined> {
    return this.#use((s) => s.stat(key));
  }

  exists(key: string): Promise<boolean> {
    return this.#use((s) => s.exists(key));
  }

  delete(key: string): Promise<void> {
    return this.#use((s) => s.delete(key));
  }

  deletePrefix(prefix: string): Promise<number> {
    return this.#use((s) => s.deletePrefix(prefix));
  }

  list(prefix: string): Promise<string[]> {
    return this.#use((s) => s.list(prefix));
  }

  /** The store the current settings select (for S3-only features such as presigned URLs). */
  current(): FileStore {
    return this.#lease().store;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const lease = this.#current;
    this.#current = undefined;
    if (lease) await lease.store.close();
  }

  async #use<T>(fn: (store: FileStore) => Promise<T>): Promise<T> {
    const lease = this.#acquire();
    try {
      return await fn(lease.store);
    } finally {
      this.#release(lease);
    }
  }

  #acquire(): Lease {
    const lease = this.#lease();
    lease.users++;
    return lease;
  }

  #release(lease: Lease): void {
    lease.users--;
    if (lease.retired && lease.users === 0) this.#closeQuietly(lease.store);
  }

  #lease(): Lease {
    if (this.#closed) throw new Error('the file store is closed');
    const s3 = this.#options.s3Settings();
    if (s3 !== this.#seen || this.#current === undefined) {
      this.#seen = s3;
      const signature = s3.enabled ? JSON.stringify(s3StoreOptions(s3)) : 'local';
      if (signature !== this.#signature || this.#current === undefined) {
        const previous = this.#current;
        this.#current = { store: createFileStore({ dataDir: this.#options.dataDir, s3 }), users: 0, retired: false };
        this.#signature = signature;
        if (previous) {
          previous.retired = true;
          if (previous.users === 0) this.#closeQuietly(previous.store);
        }
      }
    }
    return this.#current;
  }

  #closeQuietly(store: FileStore): void {
    store.close().catch((err: unknown) => this.#options.onError?.(err));
  }
}

/** The S3 store a FileStore currently uses, if any (settings-following stores included). */
export function currentS3Store(store: FileStore): S3FileStore | undefined {
  const actual = store instanceof SettingsFileStore ? store.current() : store;
  return actual instanceof S3FileStore ? actual : undefined;
}
