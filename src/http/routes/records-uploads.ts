/**
 * The bridge between multipart file parts and the record engine's file fields: per-route limits
 * derived from the collection (PocketBase's body limit: every file field's `maxSize x maxSelect`
 * on top of the default 32 MB for the other fields; one part keeps at most its field's `maxSize`
 * bytes, more is read and dropped and the record layer answers `validation_file_size_limit`), and
 * the parsed parts as `IncomingFile`s. Batch parts are named `requests.N.field` or
 * `requests[N].field`; `filesOfBatchItem` picks one item's.
 */
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import type { App } from '../../app/app.js';
import type { Collection } from '../../core/schema.js';
import { collectionUploadLimit, fileFieldMaxSize } from '../../records/record-files.js';
import type { IncomingFile } from '../../records/record-files.js';
import { DEFAULT_BODY_LIMITS } from '../body/body-limits.js';
import type { BodyLimits } from '../body/body-limits.js';
import type { UploadedFile } from '../body/uploaded-file.js';
import type { RecordsParams } from './records-params.js';

/** Where a node keeps multipart file parts while their request runs. */
export function uploadTempDir(app: App): string {
  return join(app.dataDir, '.tmp', 'uploads');
}

/** Multipart limits of a record create/update route, from the collection in the URL. */
export function recordUploadLimits(app: App): (request: FastifyRequest) => BodyLimits {
  return function limitsFor(request) {
    const collection = app.collections.find((request.params as RecordsParams).collection ?? '');
    if (!collection) return DEFAULT_BODY_LIMITS;
    return {
      ...DEFAULT_BODY_LIMITS,
      maxBytes: DEFAULT_BODY_LIMITS.maxBytes + collectionUploadLimit(collection),
      fileBytes: (part) => partLimit(collection, part),
    };
  };
}

function partLimit(collection: Collection, part: string): number {
  const name = part.replace(/^\+/, '').replace(/[+-]$/, '');
  const field = collection.fields.find((f) => f.name === name);
  // Parts for other keys are ignored by the record layer: keep nothing of them.
  return field?.type === 'file' ? fileFieldMaxSize(field) : 0;
}

export function toIncomingFile(file: UploadedFile, key: string = file.field): IncomingFile {
  return {
    key,
    originalName: file.filename,
    size: file.size,
    truncated: file.truncated,
    mime: file.detected.mime,
    ext: file.detected.ext,
    path: file.path,
  };
}

/** The uploads of a single-record request, keyed by their part names. */
export function recordFiles(files: readonly UploadedFile[]): IncomingFile[] {
  return files.map((f) => toIncomingFile(f));
}

const BATCH_PART = /^requests(?:\.(\d+)\.|\[(\d+)\]\.)(.+)$/;

/** The uploads of batch item `index` (parts `requests.<index>.<key>` / `requests[<index>].<key>`). */
export function filesOfBatchItem(files: readonly UploadedFile[], index: number): IncomingFile[] {
  const out: IncomingFile[] = [];
  for (const f of files) {
    const m = BATCH_PART.exec(f.field);
    if (m && Number(m[1] ?? m[2]) === index && m[3]) out.push(toIncomingFile(f, m[3]));
  }
  return out;
}
