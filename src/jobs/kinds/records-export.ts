/**
 * `records.export`: a collection (filtered and sorted in the rule language) written as CSV or JSON
 * to file storage, a "report". It streams: records are read a page at a time and written into the
 * file store's upload stream with backpressure, so memory stays at one page whatever the table's
 * size. Pages follow the primary key (`id > last`, keyset) when no sort is asked for, and
 * LIMIT/OFFSET pages of the requested sort otherwise.
 *
 * Records are read through the record service as the job's requester would read them over the
 * API: the requester's listRule, hidden fields and email visibility apply, superusers see
 * everything. The requester is stored in the payload (`auth`) and looked up when the job runs, so
 * a deleted account exports nothing.
 *
 * The file key is fixed per job (`_exports/<jobId>/<collection>.<ext>`): a retried attempt
 * overwrites its own earlier file instead of leaving a second one.
 */
import { PassThrough } from 'node:stream';
import { findAuthRecord } from '../../auth/auth-record.js';
import { isSuperuser } from '../../auth/authenticate.js';
import { ruleAuth } from '../../auth/rule-auth.js';
import { fieldError, validationError } from '../../core/errors.js';
import type { ErrorData } from '../../core/errors.js';
import type { Collection } from '../../core/schema.js';
import type { Database } from '../../db/database.js';
import type { FileStore } from '../../files/file-store.js';
import type { CollectionService } from '../../records/collection-service.js';
import type { RecordContext, RecordService } from '../../records/record-service.js';
import type { JobContext } from '../job-types.js';
import { csvRow } from './csv-row.js';

export const RECORDS_EXPORT_KIND = 'records.export';

export type ExportFormat = 'csv' | 'json';

export interface RecordsExportPayload {
  /** Collection name or id. */
  collection: string;
  format: ExportFormat;
  filter?: string;
  sort?: string;
  /** Columns, in order. Default: every field the requester may read (never password/tokenKey). */
  fields?: string[];
  /** Whose access applies: an auth record (superusers see everything). */
  auth: { collectionId: string; id: string };
}

export interface RecordsExportResult {
  fileKey: string;
  fileName: string;
  contentType: string;
  format: ExportFormat;
  collection: string;
  rows: number;
}

export interface RecordsExportDeps {
  db: Database;
  collections: CollectionService;
  records: RecordService;
  files: FileStore;
}

/** Records per page read from the database (the most the record service lists at once is 1000). */
export const EXPORT_PAGE_SIZE = 500;

const CONTENT_TYPES: Record<ExportFormat, string> = { csv: 'text/csv; charset=utf-8', json: 'application/json' };

/** A 400 naming each bad field of an export request (used by `POST /api/jobs/export`). */
export function validateExportPayload(input: unknown, collections: CollectionService): Omit<RecordsExportPayload, 'auth'> {
  const body = (typeof input === 'object' && input !== null && !Array.isArray(input) ? input : {}) as Record<string, unknown>;
  const errors: ErrorData = {};
  let collection: Collection | undefined;
  if (typeof body.collection !== 'string' || body.collection.trim() === '') errors.collection = fieldError('validation_required');
  else {
    collection = collections.find(body.collection.trim());
    if (!collection) errors.collection = fieldError('validation_invalid_value', undefined, 'Unknown collection.');
  }
  const format = body.format === undefined || body.format === '' ? 'csv' : body.format;
  if (format !== 'csv' && format !== 'json') errors.format = fieldError('validation_invalid_value', undefined, 'Must be "csv" or "json".');
  for (const key of ['filter', 'sort'] as const) {
    if (body[key] !== undefined && body[key] !== null && typeof body[key] !== 'string') errors[key] = fieldError('validation_invalid_type');
  }
  let fields: string[] | undefined;
  if (body.fields !== undefined && body.fields !== null && body.fields !== '') {
    const raw = typeof body.fields === 'string' ? body.fields.split(',').map((s) => s.trim()).filter((s) => s !== '') : body.fields;
    if (!Array.isArray(raw) || raw.some((f) => typeof f !== 'string')) errors.fields = fieldError('validation_invalid_type');
    else if (collection) {
      const unknown = raw.filter((f) => !collection.fields.some((cf) => cf.name === f));
      if (unknown.length > 0) errors.fields = fieldError('validation_invalid_value', undefined, `Unknown fields: ${unknown.join(', ')}.`);
      else fields = raw as string[];
    }
  }
  if (Object.keys(errors).length > 0) throw validationError(errors, 'Invalid export request.');
  return {
    collection: collection!.name,
    format: format as ExportFormat,
    ...(typeof body.filter === 'string' && body.filter.trim() !== '' ? { filter: body.filter } : {}),
    ...(typeof body.sort === 'string' && body.sort.trim() !== '' ? { sort: body.sort } : {}),
    ...(fields && fields.length > 0 ? { fields } : {}),
  };
}

/** The job's handler. Errors (unknown collection, bad filter) fail the attempt with their message. */
export async function runRecordsExport(
  deps: RecordsExportDeps,
  ctx: JobContext<RecordsExportPayload>,
  /** Records read per page (default `EXPORT_PAGE_SIZE`). */
  options: { pageSize?: number } = {},
): Promise<RecordsExportResult> {
  const p = ctx.payload;
  const pageSize = Math.min(1000, Math.max(1, options.pageSize ?? EXPORT_PAGE_SIZE));
  const collection = await deps.collections.findFresh(p.collection);
  if (!collection) throw new Error(`collection "${p.collection}" does not exist`);
  const rctx = await requesterContext(deps, p.auth);
  const columns = exportColumns(collection, p.fields, rctx.isSuperuser);
  const format: ExportFormat = p.format === 'json' ? 'json' : 'csv';
  const fileName = `${collection.name}.${format}`;
  const fileKey = `_exports/${ctx.id}/${fileName}`;
  const contentType = CONTENT_TYPES[format];

  const userFilter = p.filter?.trim() ?? '';
  const userSort = p.sort?.trim() ?? '';
  const head = await deps.records.list(collection.name, { filter: userFilter, perPage: 1, page: 1 }, rctx);
  const total = head.totalItems;
  await ctx.progress(0, total, `exporting ${total} records`);

  const out = new PassThrough();
  const upload = deps.files.put(fileKey, out, contentType);
  // An upload that fails early (disk full) must stop the reading loop, not leave it writing into
  // a stream nobody drains.
  let uploadError: unknown;
  upload.catch((err: unknown) => {
    uploadError = err;
    out.destroy();
  });
  const write = async (chunk: string): Promise<void> => {
    if (uploadError) throw uploadError;
    if (!out.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const done = (): void => {
          out.off('drain', done);
          out.off('close', closed);
          resolve();
        };
        const closed = (): void => {
          out.off('drain', done);
          reject(uploadError ?? new Error('export stream closed'));
        };
        out.once('drain', done);
        out.once('close', closed);
      });
    }
  };

  let rows = 0;
  try {
    await write(format === 'csv' ? csvRow(columns) : '[');
    let last: string | undefined;
    for (let page = 1; ; page++) {
      ctx.signal.throwIfAborted();
      const list = userSort === ''
        ? await deps.records.list(collection.name, { filter: keysetFilter(userFilter, last), sort: 'id', perPage: pageSize, skipTotal: true }, rctx)
        : await deps.records.list(collection.name, { filter: userFilter, sort: userSort, page, perPage: pageSize, skipTotal: true }, rctx);
      for (const record of list.items) {
        if (format === 'csv') await write(csvRow(columns.map((c) => record[c])));
        else await write(`${rows === 0 ? '\n' : ',\n'}${JSON.stringify(pick(record, columns))}`);
        rows++;
      }
      last = list.items.length > 0 ? String(list.items[list.items.length - 1]!.id) : last;
      await ctx.progress(rows, Math.max(total, rows), `exported ${rows} of ${Math.max(total, rows)} records`);
      if (list.items.length < pageSize) break;
    }
    if (format === 'json') await write(rows === 0 ? ']\n' : '\n]\n');
    out.end();
    await upload;
  } catch (err) {
    out.destroy(err instanceof Error ? err : new Error(String(err)));
    await upload.catch(() => {});
    throw err;
  }
  return { fileKey, fileName, contentType, format, collection: collection.name, rows };
}

/** The rule context of the export's requester: the auth record as it is now. */
async function requesterContext(deps: RecordsExportDeps, auth: RecordsExportPayload['auth']): Promise<RecordContext> {
  const authCollection = auth ? deps.collections.find(auth.collectionId) : undefined;
  const record = authCollection && authCollection.type === 'auth' ? await findAuthRecord(deps.db, authCollection, 'id', auth.id) : undefined;
  if (!authCollection || !record) throw new Error('the account that requested the export no longer exists');
  const state = { collection: authCollection, record };
  const rule = ruleAuth(state);
  return {
    auth: rule,
    isSuperuser: isSuperuser(state),
    request: { auth: rule, method: 'GET', headers: {}, query: {}, context: 'default' },
  };
}

/** The requested columns, or every readable field (hidden ones for superusers only). */
export function exportColumns(c: Collection, requested: readonly string[] | undefined, superuser: boolean): string[] {
  const readable = c.fields
    .filter((f) => f.type !== 'password' && !(c.type === 'auth' && f.name === 'tokenKey') && (!f.hidden || superuser))
    .map((f) => f.name);
  if (!requested || requested.length === 0) return readable;
  return requested.filter((name) => readable.includes(name));
}

function keysetFilter(filter: string, after: string | undefined): string {
  if (after === undefined) return filter;
  const cond = `id > "${after.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  // the newline ends a trailing `// comment` in the user's filter before the condition
  return filter === '' ? cond : `(${filter}\n) && ${cond}`;
}

function pick(record: Record<string, unknown>, columns: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of columns) if (c in record) out[c] = record[c];
  return out;
}
