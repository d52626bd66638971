/**
 * Where a presigned or resumable upload will land, decided before any byte moves: one file field of
 * one collection, for an existing record (update) or a record that finalizing creates. The rules
 * are checked up front as far as they can be without the record's final values (update: the
 * record must exist and match `updateRule` for this requester; create: `createRule` must not be
 * superusers-only for a non-superuser) and the declared size against the field's `maxSize`; the
 * record write that attaches the file runs every rule and check again.
 */
import { apiError, fieldError, validationError } from '../../core/errors.js';
import type { Collection, FileField } from '../../core/schema.js';
import type { Database } from '../../db/database.js';
import { randomRecordId } from '../../lib/random-string.js';
import type { CollectionService } from '../../records/collection-service.js';
import { fileFieldMaxSize } from '../../records/record-files.js';
import { RecordReader } from '../../records/record-reader.js';
import type { RecordContext } from '../../records/record-service.js';
import { quoteIdent } from '../../records/sql-tokens.js';

export interface UploadTargetRequest {
  collection: string;
  field: string;
  filename: string;
  size: number;
  /** Unset or '': a new record. */
  recordId?: string | undefined;
}

export interface UploadTarget {
  collection: Collection;
  field: FileField;
  /** The existing record's id, or a fresh one for the record that finalizing creates. */
  recordId: string;
  create: boolean;
}

export class UploadTargets {
  readonly #db: Database;
  readonly #collections: CollectionService;
  readonly #reader: RecordReader;

  constructor(db: Database, collections: CollectionService) {
    this.#db = db;
    this.#collections = collections;
    this.#reader = new RecordReader(db, collections);
  }

  async resolve(req: UploadTargetRequest, ctx: RecordContext): Promise<UploadTarget> {
    const collection = await this.#collections.findFresh(req.collection);
    if (!collection) throw apiError('collection_not_found');
    if (collection.type === 'view') throw apiError('view_readonly');
    const field = collection.fields.find((f) => f.name === req.field);
    if (field?.type !== 'file') throw validationError({ field: fieldError('validation_invalid_value', undefined, 'Not a file field of the collection.') });
    const create = req.recordId === undefined || req.recordId === '';
    if (create) {
      if (collection.createRule === null && !ctx.isSuperuser) throw apiError('superuser_only');
    } else {
      await this.#checkUpdatable(collection, String(req.recordId), ctx);
    }
    const maxSize = fileFieldMaxSize(field);
    if (req.size > maxSize) {
      throw validationError({ [field.name]: fieldError('validation_file_size_limit', { file: req.filename, maxSize }) });
    }
    return { collection, field, create, recordId: create ? randomRecordId() : String(req.recordId) };
  }

  async #checkUpdatable(c: Collection, recordId: string, ctx: RecordContext): Promise<void> {
    if (c.updateRule === null && !ctx.isSuperuser) throw apiError('superuser_only');
    const request = { ...ctx.request, auth: ctx.auth, body: {} };
    const ok = ctx.isSuperuser || c.updateRule === ''
      ? (await this.#db.get(`SELECT 1 AS "x" FROM ${quoteIdent(c.name)} WHERE "id" = ?`, [recordId])) !== undefined
      : (await this.#reader.idsMatching(c, [recordId], c.updateRule as string, request)).has(recordId);
    if (!ok) throw apiError('not_found');
  }
}

/** Who asked for an upload: `<collectionId>:<recordId>` of the auth record, '' for a guest. */
export function uploadOwner(ctx: RecordContext): string {
  return ctx.auth ? `${ctx.auth.collectionId}:${ctx.auth.id}` : '';
}

/** The body key an upload is attached under: appended to a multi-file field of an existing record. */
export function uploadBodyKey(field: FileField, create: boolean): string {
  return field.maxSelect > 1 && !create ? `${field.name}+` : field.name;
}

/** `data` without any value for the upload's own field (the upload decides it). */
export function withoutField(data: Record<string, unknown>, field: string): Record<string, unknown> {
  const body = { ...data };
  delete body[field];
  delete body[`${field}+`];
  delete body[`+${field}`];
  delete body[`${field}-`];
  return body;
}
