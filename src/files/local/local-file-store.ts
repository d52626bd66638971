/**
 * Files on local disk under one root folder (by default `<dataDir>/storage`), for the embedded
 * shape. Writes go to a staging file in `<root>/.galley-tmp/` and are renamed into place only when
 * complete and flushed, so readers never see half a file and a failed upload leaves nothing behind;
 * staging sits under the root so the rename never crosses file systems. Nothing is buffered whole:
 * bodies stream to disk and reads stream from it.
 *
 * The local disk keeps no metadata beside the bytes: `contentType` is not stored (the HTTP layer
 * derives it from the file name), and the etag is made from size and mtime.
 */
import { randomBytes } from 'node:crypto';
import { type Stats } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, rm, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { apiError } from '../../core/errors.js';
import { normalizeFileKey, normalizeFilePrefix } from '../file-key.js';
import type { FileAttributes, FileStore, ReadRange } from '../file-store.js';

/** Staging folder for uploads in progress; keys may not start with it. */
export const STAGING_DIR = '.galley-tmp';

/** Staging files older than this are leftovers of a crash and are swept on the first write. */
const STALE_STAGING_MS = 60 * 60 * 1000;

export interface LocalFileStoreOptions {
  /** The folder that holds every file; created on first write. */
  root: string;
}

export class LocalFileStore implements FileStore {
  readonly kind = 'local' as const;
  readonly root: string;
  readonly #staging: string;
  #swept = false;

  constructor(options: LocalFileStoreOptions) {
    this.root = resolve(options.root);
    this.#staging = join(this.root, STAGING_DIR);
  }

  async put(key: string, body: Readable | Uint8Array, contentType?: string): Promise<FileAttributes> {
    const path = this.#pathOf(key);
    await mkdir(this.#staging, { recursive: true });
    if (!this.#swept) {
      this.#swept = true;
      await this.#sweepStaging();
    }
    const temp = join(this.#staging, `${randomBytes(12).toString('hex')}.part`);
    try {
      const handle = await open(temp, 'wx');
      try {
        if (body instanceof Uint8Array) await handle.writeFile(body);
        else await writeStream(handle, body);
        // Flushed before the rename, so a crash cannot leave a complete-looking but empty file.
        await handle.sync();
      } finally {
        await handle.close();
      }
      await moveIntoPlace(temp, path);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => {});
      throw mapWriteError(err);
    }
    const attrs = await this.stat(key);
    if (!attrs) throw apiError('internal', undefined, undefined, new Error(`file vanished right after writing: ${key}`));
    return contentType === undefined ? attrs : { ...attrs, contentType };
  }

  async get(key: string, range?: ReadRange): Promise<Readable> {
    const path = this.#pathOf(key);
    // Opened here, not lazily by the stream, so a missing file is an error of get() itself.
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      throw isMissing(err) ? apiError('not_found') : err;
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw apiError('not_found');
      if (!range) return handle.createReadStream();
      const { start, end } = checkRange(range, info.size);
      return handle.createReadStream({ start, end });
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  async stat(key: string): Promise<FileAttributes | undefined> {
    let info: Stats;
    try {
      info = await stat(this.#pathOf(key));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    if (!info.isFile()) return undefined;
    return { size: info.size, modified: info.mtime, etag: `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"` };
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== undefined;
  }

  async delete(key: string): Promise<void> {
    const path = this.#pathOf(key);
    try {
      await unlink(path);
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    await this.#pruneEmptyDirs(dirname(path));
  }

  async deletePrefix(prefix: string): Promise<number> {
    const keys = await this.list(prefix);
    let removed = 0;
    for (const key of keys) {
      try {
        await unlink(join(this.root, key));
        removed++;
      } catch (err) {
        if (!isMissing(err)) throw err;
      }
    }
    const dirs = new Set(keys.map((key) => dirname(join(this.root, key))));
    for (const dir of dirs) await this.#pruneEmptyDirs(dir);
    return removed;
  }

  async list(prefix: string): Promise<string[]> {
    const normalized = normalizeFilePrefix(prefix);
    // Walk only the deepest folder the prefix names fully; the rest of the prefix filters names.
    const cut = normalized.lastIndexOf('/');
    const base = cut === -1 ? '' : normalized.slice(0, cut);
    const keys: string[] = [];
    await this.#walk(base, keys);
    return keys.filter((key) => key.startsWith(normalized)).sort();
  }

  async close(): Promise<void> {}

  /** The absolute path of a key, after checking it names something inside the root. */
  #pathOf(key: string): string {
    const normalized = normalizeFileKey(key);
    if (normalized === STAGING_DIR || normalized.startsWith(`${STAGING_DIR}/`)) throw apiError('bad_request', 'Invalid file path.');
    const path = join(this.root, normalized);
    // normalizeFileKey already forbids `..`; this guards the invariant if that function ever changes.
    if (!path.startsWith(this.root + sep)) throw apiError('bad_request', 'Invalid file path.');
    return path;
  }

  async #walk(relative: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(join(this.root, relative), { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    for (const entry of entries) {
      const key = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        if (key !== STAGING_DIR) await this.#walk(key, out);
      } else if (entry.isFile()) {
        out.push(key);
      }
    }
  }

  /** Removes `dir` and its parents while they are empty, stopping at the root. */
  async #pruneEmptyDirs(dir: string): Promise<void> {
    let current = dir;
    while (current.startsWith(this.root + sep)) {
      try {
        await rmdir(current);
      } catch {
        return; // not empty (or already gone, or raced by a concurrent put): leave it
      }
      current = dirname(current);
    }
  }

  async #sweepStaging(): Promise<void> {
    const cutoff = Date.now() - STALE_STAGING_MS;
    const names = await readdir(this.#staging).catch(() => [] as string[]);
    for (const name of names) {
      const path = join(this.#staging, name);
      const info = await stat(path).catch(() => undefined);
      if (info && info.mtimeMs < cutoff) await rm(path, { force: true, recursive: true }).catch(() => {});
    }
  }
}

/**
 * Copies a stream into an open file chunk by chunk. Awaiting each write is the backpressure (the
 * source is not read faster than the disk takes it), and the handle stays open for the fsync.
 */
async function writeStream(handle: FileHandle, body: Readable): Promise<void> {
  try {
    for await (const chunk of body) {
      const data: Uint8Array = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array);
      let offset = 0;
      while (offset < data.length) {
        const { bytesWritten } = await handle.write(data, offset, data.length - offset);
        offset += bytesWritten;
      }
    }
  } finally {
    // Stops a source that is still flowing when the disk failed (for-await destroys it on throw too).
    if (!body.destroyed) body.destroy();
  }
}

/**
 * Renames a finished upload to its key. A concurrent delete may prune the freshly made parent
 * folder between mkdir and rename; that race is retried instead of failing the upload.
 */
async function moveIntoPlace(temp: string, path: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await mkdir(dirname(path), { recursive: true });
    try {
      await rename(temp, path);
      return;
    } catch (err) {
      if (!isErrno(err, 'ENOENT') || attempt >= 3) throw err;
    }
  }
}

function checkRange(range: ReadRange, size: number): { start: number; end: number } {
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw apiError('bad_request', 'Invalid range.');
  }
  if (start >= size) throw apiError('range_not_satisfiable');
  return { start, end: Math.min(end ?? size - 1, size - 1) };
}

function mapWriteError(err: unknown): unknown {
  // A key whose folder is a file (or whose name is a folder) cannot be written: a client-visible conflict.
  if (isErrno(err, 'ENOTDIR') || isErrno(err, 'EISDIR') || isErrno(err, 'EEXIST')) {
    return apiError('conflict', 'The file path conflicts with an existing file.', undefined, err);
  }
  return err;
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as NodeJS.ErrnoException).code === code;
}

/** Not there, or a path through a file (`a/b` where `a` is a file): both mean "no such key". */
function isMissing(err: unknown): boolean {
  return isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR');
}
