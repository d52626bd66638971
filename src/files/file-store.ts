/**
 * Where uploaded files and generated thumbnails live: local disk by default, S3 for several nodes.
 * Keys are `/`-separated relative paths (`<collectionId>/<recordId>/<filename>`) that never contain
 * `..`; implementations reject keys that would escape their root.
 */
import type { Readable } from 'node:stream';

export interface FileAttributes {
  size: number;
  modified: Date;
  contentType?: string;
  etag?: string;
}

export interface ReadRange {
  /** Inclusive byte offsets, as in an HTTP Range header. */
  start: number;
  end?: number;
}

export interface FileStore {
  readonly kind: 'local' | 's3';
  /** Writes a stream fully, or leaves nothing behind if it fails. */
  put(key: string, body: Readable | Uint8Array, contentType?: string): Promise<FileAttributes>;
  get(key: string, range?: ReadRange): Promise<Readable>;
  stat(key: string): Promise<FileAttributes | undefined>;
  exists(key: string): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Deletes every key under a prefix (a record's folder); returns how many were removed. */
  deletePrefix(prefix: string): Promise<number>;
  list(prefix: string): Promise<string[]>;
  close(): Promise<void>;
}
