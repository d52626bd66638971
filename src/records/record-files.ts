/**
 * File fields on record writes, with PocketBase's semantics. Uploads arrive as `IncomingFile`s
 * under the key they were sent with (`docs`, `docs+`, `+docs`); each gets a fresh stored name
 * (`<base>_<random>.<ext>`) and the names join the body as strings, so the ordinary modifiers
 * (`f+` append, `+f` prepend, `f-` remove) and single/multiple handling apply unchanged. Sent beside
 * uploads under the plain key, existing names are kept (the SDK's "keep these, add those").
 *
 * Checks, in PocketBase's order per field: plain names must be files the record already has
 * (`validation_invalid_file`), then each kept upload's size (`validation_file_size_limit`, default
 * limit 5 MB), its type DETECTED from its bytes against `mimeTypes` (`validation_invalid_mime_type`),
 * and, for images, the pixel count read by sharp (`validation_image_too_large`, a decompression bomb
 * guard) and whether sharp can read it at all (`validation_invalid_image`).
 *
 * Storage: uploads are written to `<collectionId>/<recordId>/<name>` before the record's transaction
 * (SQLite's writer is not held while bytes travel), deleted again if the write fails (`discard`),
 * except direct uploads, which the write only links and their uploader owns until one commits;
 * after the commit, names the record no longer holds are deleted with their thumbnails, and a deleted
 * record's whole folder goes. See docs/file-storage.md.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { apiError, fieldError } from '../core/errors.js';
import type { FieldError } from '../core/errors.js';
import type { Collection, FileField } from '../core/schema.js';
import type { Transaction } from '../db/database.js';
import { storedFileName, recordFileKey, recordFilesPrefix, thumbsPrefix } from '../files/file-name.js';
import type { FileStore } from '../files/file-store.js';
import { isProbedImageType, MAX_IMAGE_PIXELS, probeImage } from '../files/image-probe.js';
import { mimeTypeAllowed } from '../files/detect-file-type.js';
import type { RecordJson } from './record-codec.js';
import type { ErrorTree } from './error-tree.js';

/** PocketBase's limit for a file field whose `maxSize` is 0. */
export const DEFAULT_FILE_MAX_SIZE = 5 * 1024 * 1024;

/** Bytes of an image's head read to probe its dimensions when no local path is at hand. */
const PROBE_HEAD_BYTES = 512 * 1024;

/**
 * One uploaded file ready to be attached to a record's file field. Either its bytes are readable
 * (`path` to a local temporary file, or `open()`), or the object already sits at its final key
 * `<collectionId>/<recordId>/<storedName>` (a presigned or resumable upload that wrote it there).
 */
export interface IncomingFile {
  /** The body key: the field name, `name+` (append) or `+name` (prepend). */
  key: string;
  /** The client's name (used only to build the stored name and in error messages). */
  originalName: string;
  /** Bytes. When `truncated`, more than this arrived and only a prefix was kept. */
  size: number;
  /** The type detected from the content (magic bytes), never the client's claim. */
  mime: string;
  /** The detected type's extension ('' if unknown): used when the name has none. */
  ext: string;
  /** The upload passed a byte limit while it was received; it is refused as too large. */
  truncated?: boolean;
  /** A local file holding the bytes (deleted by its owner, not here). */
  path?: string;
  /** Opens the bytes (used when there is no `path`). */
  open?: () => Promise<Readable>;
  /**
   * The object is already stored under the record's folder with this name (a direct upload): it is
   * moved nowhere, and a write that fails or rolls back leaves it to whoever stored it. A retried
   * serializable transaction links the same object again, and presigned finalize deletes it itself
   * when its write fails (an upload id it never claimed is deleted by the sweep).
   */
  storedName?: string;
  /**
   * Set by the record layer while the bytes sit at a storage key for a write that has not committed
   * from this file's point of view: the owner of an OUTER transaction (batch) deletes these keys
   * with `discardIncomingFiles` if that transaction rolls back.
   */
  storedKey?: string;
}

interface PendingFile {
  file: IncomingFile;
  field: FileField;
  /** The name under the record's folder. */
  name: string;
  /** Set once the object exists in storage (by us or by the uploader). */
  stored: boolean;
  /** The uploader stored the object (`storedName`): this write links it and never deletes it on failure. */
  linked: boolean;
  error?: FieldError;
}

export function fileFieldMaxSize(field: FileField): number {
  return field.maxSize > 0 ? field.maxSize : DEFAULT_FILE_MAX_SIZE;
}

/** The most bytes a request may carry for a collection's file fields (PocketBase's CalculateMaxBodySize). */
export function collectionUploadLimit(collection: Collection): number {
  let total = 0;
  for (const f of collection.fields) {
    if (f.type === 'file') total += fileFieldMaxSize(f) * Math.max(1, f.maxSelect);
  }
  return total;
}

function fileFieldOf(collection: Collection, key: string): FileField | undefined {
  const name = key.startsWith('+') ? key.slice(1) : key.endsWith('+') ? key.slice(0, -1) : key;
  const field = collection.fields.find((f) => f.name === name);
  return field?.type === 'file' ? field : undefined;
}

function namesOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v !== '');
  return typeof value === 'string' && value !== '' ? [value] : [];
}

/** The file-field side of one record write: prepared before it, stored, then settled after commit. */
export class RecordFileChanges {
  /** The request body with upload names merged in (feed this to `applyBody`). */
  readonly body: Record<string, unknown>;
  readonly #store: FileStore | undefined;
  readonly #pending: PendingFile[];
  #collectionId = '';
  #recordId = '';

  constructor(store: FileStore | undefined, body: Record<string, unknown>, pending: PendingFile[]) {
    this.#store = store;
    this.body = body;
    this.#pending = pending;
  }

  get hasUploads(): boolean {
    return this.#pending.length > 0;
  }

  /** Names the record the files belong to (as soon as its id is known: `discard` needs it). */
  target(collectionId: string, recordId: string): void {
    this.#collectionId = collectionId;
    this.#recordId = recordId;
  }

  /**
   * Writes the uploads that `record` keeps (all of them when `record` is omitted: an update stores
   * before it knows the final value) under the `target` record. On a storage failure what was
   * written is deleted again.
   */
  async store(record?: RecordJson): Promise<void> {
    const collectionId = this.#collectionId;
    const recordId = this.#recordId;
    // Uploads that failed their own checks are never stored (if the value keeps one, `check` refuses the write).
    const toStore = this.#pending.filter((p) => !p.stored && p.error === undefined && (record === undefined || namesOf(record[p.field.name]).includes(p.name)));
    if (toStore.length === 0) return;
    if (!this.#store) throw apiError('internal', undefined, undefined, new Error('file uploads need a FileStore'));
    try {
      for (const p of toStore) {
        const body = p.file.open ? await p.file.open() : openPath(p.file.path);
        const key = recordFileKey(collectionId, recordId, p.name);
        await this.#store.put(key, body, p.file.mime);
        p.stored = true;
        p.file.storedKey = key;
      }
    } catch (err) {
      await this.discard();
      throw err;
    }
  }

  /**
   * Per-field checks of the final value: plain names must already belong to the record, then each
   * kept upload's own errors. Run before the generic field validation (the first error per field wins).
   */
  check(collection: Collection, record: RecordJson, current: RecordJson | null, errors: ErrorTree): void {
    for (const f of collection.fields) {
      if (f.type !== 'file') continue;
      const names = namesOf(record[f.name]);
      if (names.length === 0) continue;
      const old = new Set(current === null ? [] : namesOf(current[f.name]));
      const uploaded = new Map(this.#pending.filter((p) => p.field === f).map((p) => [p.name, p]));
      const invalid = names.filter((n) => !old.has(n) && !uploaded.has(n)).map((n) => n.slice(0, 250));
      if (invalid.length > 0) {
        errors.add([f.name], fieldError('validation_invalid_file', { invalidFiles: invalid }, `Invalid new files: ${invalid.join(', ')}.`));
        continue;
      }
      for (const name of names) {
        const error = uploaded.get(name)?.error;
        if (error !== undefined) {
          errors.add([f.name], error);
          break;
        }
      }
    }
  }

  /**
   * After the commit: delete files the record held before and no longer does (with their
   * thumbnails), and uploads that did not end up in the value (a single field sent two files).
   */
  settle(tx: Transaction, collection: Collection, recordId: string, record: RecordJson, current: RecordJson | null): void {
    const gone: string[] = [];
    for (const f of collection.fields) {
      if (f.type !== 'file') continue;
      const now = new Set(namesOf(record[f.name]));
      if (current !== null) for (const n of namesOf(current[f.name])) if (!now.has(n)) gone.push(n);
      for (const p of this.#pending) if (p.field === f && p.stored && !now.has(p.name)) gone.push(p.name);
    }
    if (gone.length === 0 || !this.#store) return;
    const store = this.#store;
    tx.afterCommit(() => deleteRecordFiles(store, collection.id, recordId, gone));
  }

  /** The uploads this write stored that `record` holds, with their fields. */
  stored(record: RecordJson): Array<{ field: string; name: string }> {
    return this.#pending
      .filter((p) => p.stored && namesOf(record[p.field.name]).includes(p.name))
      .map((p) => ({ field: p.field.name, name: p.name }));
  }

  /** Deletes every upload this write stored (it failed or was rolled back), not the ones it linked. Never throws. */
  async discard(): Promise<void> {
    const stored = this.#pending.filter((p) => p.stored && !p.linked);
    if (stored.length === 0 || !this.#store || this.#recordId === '') return;
    for (const p of stored) {
      await this.#store.delete(recordFileKey(this.#collectionId, this.#recordId, p.name)).catch(() => {});
      p.stored = false;
      delete p.file.storedKey;
    }
  }
}

/** Deletes what `files` left in storage (their write was rolled back by an outer transaction). Never throws. */
export async function discardIncomingFiles(store: FileStore, files: readonly IncomingFile[]): Promise<void> {
  for (const file of files) {
    if (file.storedKey === undefined) continue;
    await store.delete(file.storedKey).catch(() => {});
    delete file.storedKey;
  }
}

/** Deletes named files of a record and their thumbnails (after a commit: failures are only reported). */
export async function deleteRecordFiles(store: FileStore, collectionId: string, recordId: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    if (name === '' || name.includes('/') || name.includes('\\')) continue;
    await store.delete(recordFileKey(collectionId, recordId, name));
    await store.deletePrefix(thumbsPrefix(collectionId, recordId, name));
  }
}

/**
 * Deletes a record's whole folder (its files and thumbnails). A thumbnail job may write a thumbnail
 * after the first listing and check its source just before that source goes; the second pass lists
 * after every source is gone, so it sees such a thumbnail (the job removes any written later itself).
 */
export async function deleteRecordFolder(store: FileStore, collectionId: string, recordId: string): Promise<void> {
  const prefix = recordFilesPrefix(collectionId, recordId);
  if ((await store.deletePrefix(prefix)) > 0) await store.deletePrefix(prefix);
}

export function hasFileFields(collection: Collection): boolean {
  return collection.fields.some((f) => f.type === 'file');
}

/**
 * Assigns stored names, runs each upload's own checks (size, detected type, image pixels) and
 * merges the names into the body as PocketBase's request layer does. Uploads under keys that are not
 * file fields are ignored, as PocketBase ignores them.
 */
export async function prepareFileChanges(
  store: FileStore | undefined,
  collection: Collection,
  body: Record<string, unknown>,
  files: readonly IncomingFile[] | undefined,
  maxPixels = MAX_IMAGE_PIXELS,
): Promise<RecordFileChanges> {
  if (!files || files.length === 0) return new RecordFileChanges(store, body, []);
  const merged: Record<string, unknown> = { ...body };
  const byKey = new Map<string, string[]>();
  const pending: PendingFile[] = [];
  for (const file of files) {
    const field = fileFieldOf(collection, file.key);
    if (!field) continue;
    const name = file.storedName ?? storedFileName(file.originalName, file.ext);
    const linked = file.storedName !== undefined;
    const p: PendingFile = { file, field, name, stored: linked, linked };
    const error = await checkUpload(p, maxPixels);
    if (error !== undefined) p.error = error;
    pending.push(p);
    const list = byKey.get(file.key) ?? [];
    list.push(name);
    byKey.set(file.key, list);
  }
  for (const [key, names] of byKey) {
    const field = fileFieldOf(collection, key) as FileField;
    // Plain key: names sent beside the uploads are kept (else the uploads replace the value).
    const kept = key === field.name && merged[key] !== undefined && merged[key] !== null ? namesOf(merged[key]) : [];
    merged[key] = [...kept, ...names];
  }
  return new RecordFileChanges(store, merged, pending);
}

async function checkUpload(p: PendingFile, maxPixels: number): Promise<FieldError | undefined> {
  const { file, field } = p;
  const maxSize = fileFieldMaxSize(field);
  if (file.truncated || file.size > maxSize) {
    return fieldError('validation_file_size_limit', { file: file.originalName, maxSize },
      `Failed to upload "${file.originalName}" - the maximum allowed file size is ${maxSize} bytes.`);
  }
  if (field.mimeTypes && field.mimeTypes.length > 0 && !mimeTypeAllowed(file.mime, field.mimeTypes)) {
    return fieldError('validation_invalid_mime_type', { file: file.originalName, mimeTypes: field.mimeTypes },
      `"${file.originalName}" mime type must be one of: ${field.mimeTypes.join(', ')}.`);
  }
  if (isProbedImageType(file.mime)) {
    const probe = await probeImage(file.path ?? (await readHead(file)), maxPixels);
    if (!probe.ok && probe.reason === 'too_large') {
      return fieldError('validation_image_too_large', { file: file.originalName, maxPixels },
        `"${file.originalName}" has too many pixels (the limit is ${maxPixels}).`);
    }
    if (!probe.ok) {
      return fieldError('validation_invalid_image', { file: file.originalName }, `"${file.originalName}" is not a readable image.`);
    }
  }
  return undefined;
}

async function readHead(file: IncomingFile): Promise<Buffer> {
  if (!file.open) return Buffer.alloc(0);
  const stream = await file.open();
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      chunks.push(buf);
      total += buf.length;
      if (total >= PROBE_HEAD_BYTES) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks);
}

function openPath(path: string | undefined): Readable {
  if (path === undefined) throw new Error('an upload without bytes: neither path, open() nor storedName');
  return createReadStream(path);
}
