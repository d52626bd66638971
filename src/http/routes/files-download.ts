/**
 * `GET /api/files/{collection}/{recordId}/{filename}` (PocketBase's file endpoint; HEAD too). 404
 * unless the name is held by one of the record's file fields. Files of `protected` fields need
 * `?token=` (a file token, `POST /api/files/token`) whose identity passes the collection's view rule
 * (rule context `protectedFile`); any failure is a 404. Other files are public to whoever knows the
 * random name, as in PocketBase.
 *
 * `?thumb=WxH[t|b|f]` serves a thumbnail for png/jpg/gif/webp files when the size is `100x100` or
 * listed in the field's `thumbs` (else the original); `?download=1` forces an attachment. ETag and
 * Last-Modified with 304s, single byte ranges (206/416), `nosniff`, risky types as attachments.
 */
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { isSuperuser } from '../../auth/authenticate.js';
import { ruleAuth } from '../../auth/rule-auth.js';
import { apiError, isApiError } from '../../core/errors.js';
import type { Collection, FileField } from '../../core/schema.js';
import { contentTypeOf, isInlineSafe } from '../../files/file-content-type.js';
import { isSafeFileName, recordFileKey } from '../../files/file-name.js';
import { appThumbnails } from '../../files/thumbnail-job.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { DEFAULT_THUMB } from '../../files/thumb-size.js';
import type { RecordContext } from '../../records/record-service.js';
import { notModified, parseRange, rangeStillValid } from './files-conditional.js';
import { fileTokenAuth } from './files-token.js';
import { queryString } from './records-params.js';

interface FileParams {
  collection: string;
  recordId: string;
  filename: string;
}

const PUBLIC_CACHE = 'max-age=2592000, stale-while-revalidate=86400';
const PROTECTED_CACHE = 'private, no-store';

export function filesDownloadRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/files/:collection/:recordId/:filename',
    handler: async function serveFile(request, reply) {
      const { collection: name, recordId, filename } = request.params as FileParams;
      if (!isSafeFileName(filename) || recordId.includes('\0') || recordId.includes('/')) throw apiError('not_found');
      const collection = await app.collections.findFresh(name);
      if (!collection || collection.type === 'view') throw apiError('not_found');
      const record = await readRecord(app, collection, recordId, systemContext(request));
      const field = collection.fields.find(
        (f): f is FileField => f.type === 'file' && namesOf(record[f.name]).includes(filename),
      );
      if (!field) throw apiError('not_found');
      if (field.protected) await checkProtectedAccess(app, request, collection, recordId);

      let key = recordFileKey(collection.id, recordId, filename);
      const thumb = queryString(request, 'thumb');
      if (thumb && (thumb === DEFAULT_THUMB || (field.thumbs ?? []).includes(thumb))) {
        key = (await appThumbnails(app).ensure(collection.id, recordId, filename, thumb)) ?? key;
      }
      const hook = app.hooks.onFileDownloadRequest;
      if (hook.length === 0) return sendStoredFile(app, request, reply, key, filename, field.protected);
      const event = { collection, request, record, fileField: field.name, servedPath: key, servedName: filename };
      return triggerRequest(hook, event, (e) => sendStoredFile(app, request, reply, e.servedPath, e.servedName, field.protected), reply);
    },
  };
}

function namesOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  return typeof value === 'string' && value !== '' ? [value] : [];
}

function systemContext(request: FastifyRequest): RecordContext {
  return {
    auth: null,
    isSuperuser: true,
    request: { auth: null, method: request.method, headers: {}, query: {}, context: 'protectedFile' },
  };
}

async function readRecord(app: App, collection: Collection, id: string, ctx: RecordContext): Promise<Record<string, unknown>> {
  try {
    return (await app.records.view(collection.id, id, {}, ctx)).record;
  } catch (err) {
    // Any refusal (no such record, rule, superuser-only) is the same 404: nothing about the record leaks.
    if (isApiError(err) && err.status < 500) throw apiError('not_found');
    throw err;
  }
}

async function checkProtectedAccess(app: App, request: FastifyRequest, collection: Collection, recordId: string): Promise<void> {
  const auth = await fileTokenAuth(app, queryString(request, 'token'));
  const rules = ruleAuth(auth);
  const ctx: RecordContext = {
    auth: rules,
    isSuperuser: isSuperuser(auth),
    request: {
      auth: rules,
      method: request.method,
      headers: request.headers as Record<string, unknown>,
      query: (request.query ?? {}) as Record<string, unknown>,
      context: 'protectedFile',
    },
  };
  await readRecord(app, collection, recordId, ctx);
}

async function sendStoredFile(
  app: App, request: FastifyRequest, reply: FastifyReply, key: string, filename: string, isProtected: boolean,
): Promise<FastifyReply> {
  const attrs = await app.files.stat(key);
  if (!attrs) throw apiError('not_found');
  const etag = attrs.etag ?? `"${attrs.size.toString(16)}-${attrs.modified.getTime().toString(16)}"`;
  const type = contentTypeOf(filename);
  const download = /^(1|t|true)$/i.test(queryString(request, 'download') ?? '');
  const disposition = download || !isInlineSafe(type) ? 'attachment' : 'inline';
  reply
    .header('content-type', type)
    .header('content-disposition', `${disposition}; filename="${filename}"`)
    .header('etag', etag)
    .header('last-modified', attrs.modified.toUTCString())
    .header('cache-control', isProtected ? PROTECTED_CACHE : PUBLIC_CACHE)
    .header('accept-ranges', 'bytes')
    .header('x-content-type-options', 'nosniff');
  if (notModified(request.headers, etag, attrs.modified)) return reply.code(304).send();

  const rangeHeader = typeof request.headers.range === 'string' ? request.headers.range : undefined;
  const ifRange = typeof request.headers['if-range'] === 'string' ? request.headers['if-range'] : undefined;
  const range = rangeStillValid(ifRange, etag, attrs.modified) ? parseRange(rangeHeader, attrs.size) : { kind: 'full' as const };
  if (range.kind === 'unsatisfiable') {
    reply.header('content-range', `bytes */${attrs.size}`);
    throw apiError('range_not_satisfiable');
  }
  if (range.kind === 'partial') {
    const stream = await app.files.get(key, { start: range.start, end: range.end });
    return reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${attrs.size}`)
      .header('content-length', range.end - range.start + 1)
      .send(stream);
  }
  const stream = await app.files.get(key);
  return reply.code(200).header('content-length', attrs.size).send(stream);
}
