/**
 * Presigned direct-to-S3 uploads: the client asks for an upload bound to one record's file field,
 * PUTs the bytes straight to the bucket with the returned URL (Galley never carries them), then
 * finalizes. Only with S3 storage.
 *
 *   presign   auth and the record's rule decided up front (update: the record must exist and pass
 *             `updateRule` for this requester; create: `createRule` must not be superusers-only
 *             for a non-superuser), the declared size checked against the field's `maxSize`, the
 *             object's final key `<collectionId>/<recordId>/<storedName>` fixed and signed (with
 *             the exact Content-Length and Content-Type), and an expiring upload id stored.
 *   finalize  the same requester only; the object must exist; its size and the type DETECTED from
 *             its first bytes are checked against the field's `maxSize`/`mimeTypes` by the record
 *             layer, which then attaches it to the record (create or update, with the rules run for
 *             real). Any failure deletes the object, so nothing unattached stays behind.
 *   sweep     expired upload ids are removed with whatever object was uploaded for them.
 */
import { apiError, fieldError, validationError } from '../../core/errors.js';
import type { Database } from '../../db/database.js';
import { randomString } from '../../lib/random-string.js';
import type { CollectionService } from '../../records/collection-service.js';
import type { IncomingFile } from '../../records/record-files.js';
import type { RecordContext, RecordService, WriteResult } from '../../records/record-service.js';
import { currentS3Store } from '../create-file-store.js';
import { DETECT_BYTES, detectFileType, mimeTypeAllowed } from '../detect-file-type.js';
import { recordFileKey, storedFileName } from '../file-name.js';
import type { FileStore } from '../file-store.js';
import { UploadSessions } from './upload-sessions.js';
import type { UploadSession } from './upload-sessions.js';
import { UploadTargets, uploadBodyKey, uploadOwner, withoutField } from './upload-target.js';

export interface PresignRequest {
  collection: string;
  field: string;
  /** The client's file name (only used to build the stored name). */
  filename: string;
  /** Exact size in bytes; the presigned URL accepts only this many. */
  size: number;
  /** Sent as the object's Content-Type (default application/octet-stream); not trusted at finalize. */
  contentType?: string;
  /** Set: the upload goes to this existing record (update). Unset: finalize creates a record. */
  recordId?: string;
}

export interface PresignResult {
  id: string;
  method: 'PUT';
  url: string;
  /** Headers the PUT must send, as signed. */
  headers: Record<string, string>;
  collectionId: string;
  recordId: string;
  /** When the URL stops working (ISO 8601); finalize is possible until the upload id expires. */
  expires: string;
}

export interface PresignedUploadsOptions {
  db: Database;
  collections: CollectionService;
  records: RecordService;
  files: FileStore;
  /** How long the presigned URL works. Default 15 minutes. */
  urlTtlSeconds?: number;
  /** How long an upload id can be finalized (URL time plus time to finish a slow upload). Default 1 hour. */
  sessionTtlSeconds?: number;
}

const SWEEP_EVERY_MS = 60_000;

export class PresignedUploads {
  readonly #o: PresignedUploadsOptions;
  readonly #sessions: UploadSessions;
  readonly #targets: UploadTargets;
  #lastSweep = 0;

  constructor(options: PresignedUploadsOptions) {
    this.#o = options;
    this.#sessions = new UploadSessions(options.db);
    this.#targets = new UploadTargets(options.db, options.collections);
  }

  async presign(req: PresignRequest, ctx: RecordContext): Promise<PresignResult> {
    this.#sweepSoon();
    const s3 = currentS3Store(this.#o.files);
    if (!s3) throw apiError('bad_request', 'Presigned uploads need S3 file storage (settings s3.enabled).');
    const { collection, field, recordId, create } = await this.#targets.resolve(req, ctx);
    const contentType = req.contentType || 'application/octet-stream';
    if (field.mimeTypes && field.mimeTypes.length > 0 && req.contentType && !mimeTypeAllowed(req.contentType, field.mimeTypes)) {
      throw validationError({ [field.name]: fieldError('validation_invalid_mime_type', { file: req.filename, mimeTypes: field.mimeTypes }) });
    }
    const storedName = storedFileName(req.filename);
    const storageKey = recordFileKey(collection.id, recordId, storedName);
    const urlTtl = this.#o.urlTtlSeconds ?? 15 * 60;
    const url = await s3.presignPut(storageKey, { size: req.size, contentType, expiresInSeconds: urlTtl });
    const session: UploadSession = {
      id: randomString(20),
      collectionId: collection.id,
      recordId,
      field: field.name,
      storageKey,
      storedName,
      originalName: req.filename,
      size: req.size,
      owner: uploadOwner(ctx),
      create,
      expires: new Date(Date.now() + (this.#o.sessionTtlSeconds ?? 60 * 60) * 1000),
    };
    await this.#sessions.insert(session);
    return {
      id: session.id,
      method: 'PUT',
      url,
      headers: { 'content-type': contentType },
      collectionId: collection.id,
      recordId,
      expires: new Date(Date.now() + urlTtl * 1000).toISOString(),
    };
  }

  /**
   * Attaches the uploaded object to its record (creating the record with `data` when the upload was
   * presigned without a record id). Answers like the record create/update routes.
   */
  async finalize(id: string, data: Record<string, unknown>, opts: { expand?: string }, ctx: RecordContext): Promise<WriteResult> {
    const session = await this.#sessions.find(id);
    if (!session || session.owner !== uploadOwner(ctx)) throw apiError('not_found');
    if (session.expires.getTime() <= Date.now()) {
      await this.#expire(session);
      throw apiError('not_found');
    }
    const stat = await this.#o.files.stat(session.storageKey);
    // Not uploaded (yet): the id stays valid, so the client can still upload and finalize again.
    if (!stat) throw apiError('bad_request', 'Nothing was uploaded for this upload id.');
    if (!(await this.#sessions.claim(session.id))) throw apiError('not_found');
    try {
      const collection = await this.#o.collections.findFresh(session.collectionId);
      const field = collection?.fields.find((f) => f.name === session.field);
      if (!collection || field?.type !== 'file') throw apiError('bad_request', 'The upload\'s file field no longer exists.');
      const head = stat.size === 0 ? new Uint8Array(0) : await this.#head(session.storageKey);
      const detected = await detectFileType(head);
      const file: IncomingFile = {
        key: uploadBodyKey(field, session.create),
        originalName: session.originalName,
        size: stat.size,
        mime: detected.mime,
        ext: detected.ext,
        storedName: session.storedName,
        open: () => this.#o.files.get(session.storageKey),
      };
      const body = withoutField(data, field.name);
      if (session.create) {
        return await this.#o.records.create(collection.id, { ...body, id: session.recordId }, { ...opts, files: [file] }, ctx);
      }
      delete body.id;
      return await this.#o.records.update(collection.id, session.recordId, body, { ...opts, files: [file] }, ctx);
    } catch (err) {
      await this.#o.files.delete(session.storageKey).catch(() => {});
      throw err;
    }
  }

  /** Removes expired upload ids and their objects; returns how many. */
  async sweep(now = new Date()): Promise<number> {
    let removed = 0;
    for (const session of await this.#sessions.expired(now)) if (await this.#expire(session)) removed++;
    return removed;
  }

  async #expire(session: UploadSession): Promise<boolean> {
    if (!(await this.#sessions.claim(session.id))) return false;
    await this.#o.files.delete(session.storageKey).catch(() => {});
    return true;
  }

  #sweepSoon(): void {
    const now = Date.now();
    if (now - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now;
    this.sweep().catch(() => {});
  }

  async #head(key: string): Promise<Uint8Array> {
    const chunks: Buffer[] = [];
    for await (const chunk of await this.#o.files.get(key, { start: 0, end: DETECT_BYTES - 1 })) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
}
