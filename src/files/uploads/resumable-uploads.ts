/**
 * Resumable uploads with the tus protocol (`@tus/server`, loaded on first use), bound to one record's
 * file field through the upload's metadata: `collection`, `field`, `filename`, optional `recordId`
 * (absent: completing the upload creates a record) and optional `data` (JSON of the record's other
 * fields for that create, or for the update).
 *
 *   creation    the requester's auth and the record's rule are decided up front, the declared
 *               `Upload-Length` is required and checked against the field's `maxSize`; the owner and
 *               the record id are stored in the upload's metadata by the server (a client cannot set them).
 *   PATCH/HEAD  only the owner can continue, inspect or terminate an upload.
 *   completion  the type is detected from the bytes and the file is attached through the record
 *               layer (maxSize, mimeTypes, image checks, and the create/update rule run for real), then
 *               the partial file is deleted; the final response carries the record as JSON. A refused
 *               file answers 400 in PocketBase's error shape and is deleted.
 *   abandoned   uploads expire (`expiresAfterMs`, default 24 h) and `sweep()` deletes them.
 *
 * Partial uploads live on the node's disk under `<dataDir>/uploads/tus` (the files themselves end in
 * the FileStore: local disk or S3); with several nodes, route one upload's requests to one node.
 */
import { open, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { isApiError } from '../../core/errors.js';
import type { Database } from '../../db/database.js';
import type { CollectionService } from '../../records/collection-service.js';
import type { IncomingFile } from '../../records/record-files.js';
import type { RecordContext, RecordService } from '../../records/record-service.js';
import { DETECT_BYTES, detectFileType } from '../detect-file-type.js';
import { UploadTargets, uploadBodyKey, uploadOwner, withoutField } from './upload-target.js';

type TusServer = InstanceType<typeof import('@tus/server').Server>;
type TusUpload = Parameters<NonNullable<ConstructorParameters<typeof import('@tus/server').Server>[0]['onUploadCreate']>>[1];
type TusRequest = Parameters<NonNullable<ConstructorParameters<typeof import('@tus/server').Server>[0]['onUploadCreate']>>[0];

export interface ResumableUploadsOptions {
  db: Database;
  collections: CollectionService;
  records: RecordService;
  /** Where partial uploads are kept. */
  directory: string;
  /** The URL path the tus endpoint is mounted at. */
  path: string;
  /** An upload not completed within this time is deleted by `sweep()`. Default 24 hours. */
  expiresAfterMs?: number;
  /** The largest upload accepted at all (each field's `maxSize` applies too). Default 5 GiB. */
  maxSize?: number;
  /** Told about unexpected errors in the upload hooks (answered as a bare 500). */
  onError?: (err: unknown) => void;
}

const SWEEP_EVERY_MS = 10 * 60 * 1000;

/** What a tus hook throws to answer a request (`@tus/server` sends `status_code` and `body`). */
interface TusError {
  status_code: number;
  body: string;
}

export class ResumableUploads {
  readonly #o: ResumableUploadsOptions;
  readonly #targets: UploadTargets;
  /** The requester of each request being handled (set by the HTTP layer before handing it over). */
  readonly #contexts = new WeakMap<IncomingMessage, RecordContext>();
  #server: Promise<TusServer> | undefined;
  #lastSweep = Date.now();

  constructor(options: ResumableUploadsOptions) {
    this.#o = options;
    this.#targets = new UploadTargets(options.db, options.collections);
  }

  /**
   * Serves one tus request on the raw Node request/response, as `ctx`. What `Server.handle` does,
   * with one step between: an error response (tus answers its protocol errors, such as a missing
   * `Tus-Resumable`, in plain text) is rewritten into PocketBase's JSON error shape.
   */
  async handle(req: IncomingMessage, res: ServerResponse, ctx: RecordContext): Promise<void> {
    const [server, { NodeRequest, sendNodeResponse }] = await Promise.all([this.#tus(), import('srvx/node')]);
    this.#contexts.set(req, ctx);
    const response = await server.handleWeb(new NodeRequest({ req, res }));
    await sendNodeResponse(res, response.status >= 400 ? await pocketBaseErrorResponse(response) : response);
  }

  /** Deletes uploads that expired unfinished; returns how many. */
  async sweep(): Promise<number> {
    if (!this.#server) return 0;
    return (await this.#server).cleanUpExpiredUploads();
  }

  /** This node's partial uploads are swept now and then as new ones arrive (the cron job sweeps too). */
  #sweepSoon(): void {
    if (Date.now() - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = Date.now();
    this.sweep().catch((err: unknown) => this.#o.onError?.(err));
  }

  #tus(): Promise<TusServer> {
    this.#server ??= (async () => {
      const [{ Server }, { FileStore }] = await Promise.all([import('@tus/server'), import('@tus/file-store')]);
      return new Server({
        path: this.#o.path,
        datastore: new FileStore({ directory: this.#o.directory, expirationPeriodInMilliseconds: this.#o.expiresAfterMs ?? 24 * 60 * 60 * 1000 }),
        maxSize: this.#o.maxSize ?? 5 * 1024 * 1024 * 1024,
        respectForwardedHeaders: false,
        onIncomingRequest: (req, uploadId) => this.#checkOwner(req, uploadId),
        onUploadCreate: (req, upload) => this.#onCreate(req, upload),
        onUploadFinish: (req, upload) => this.#onFinish(req, upload),
        // tus's own protocol errors are plain text: every error leaves in PocketBase's shape.
        onResponseError: (_req, err) => {
          if (!isTusError(err)) this.#o.onError?.(err);
          return pocketBaseShaped(err);
        },
      });
    })();
    this.#server.catch(() => {
      this.#server = undefined;
    });
    return this.#server;
  }

  #context(req: TusRequest): RecordContext {
    const node = (req as unknown as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
    const ctx = node ? this.#contexts.get(node) : undefined;
    if (!ctx) throw tusError(500, 'The upload request has no requester.');
    return ctx;
  }

  async #checkOwner(req: TusRequest, uploadId: string): Promise<void> {
    if (req.method === 'POST' || req.method === 'OPTIONS' || !uploadId) return;
    const server = await this.#tus();
    let owner: string | null | undefined;
    try {
      owner = (await server.datastore.getUpload(uploadId)).metadata?.galleyOwner;
    } catch {
      return; // unknown upload: tus answers 404 itself
    }
    if (owner !== uploadOwner(this.#context(req))) throw tusError(404, "The requested resource wasn't found.");
  }

  async #onCreate(req: TusRequest, upload: TusUpload): Promise<{ metadata: Record<string, string | null> }> {
    const ctx = this.#context(req);
    this.#sweepSoon();
    const meta = upload.metadata ?? {};
    if (!meta.filename) throw tusError(400, 'The upload metadata needs "collection", "field" and "filename".');
    if (upload.size === undefined) throw tusError(400, 'Upload-Length is required (deferred lengths are not accepted).');
    try {
      const data = parseData(meta.data);
      const target = await this.#targets.resolve(
        { collection: meta.collection ?? '', field: meta.field ?? '', filename: meta.filename ?? '', size: upload.size, recordId: meta.recordId ?? undefined },
        ctx,
      );
      // Written by the server after the client's values, so a client cannot choose them.
      return {
        metadata: {
          ...meta,
          data: JSON.stringify(data),
          galleyOwner: uploadOwner(ctx),
          galleyCollectionId: target.collection.id,
          galleyRecordId: target.recordId,
          galleyCreate: target.create ? '1' : '',
        },
      };
    } catch (err) {
      throw this.#asTusError(err);
    }
  }

  /** Galley's errors keep their status and body; anything unexpected is logged and answered as a bare 500. */
  #asTusError(err: unknown): TusError {
    if (isApiError(err)) return { status_code: err.status, body: JSON.stringify(err.toJSON()) };
    if (isTusError(err)) return err;
    this.#o.onError?.(err);
    return tusError(500, 'Something went wrong while processing your request.');
  }

  async #onFinish(req: TusRequest, upload: TusUpload): Promise<{ status_code: number; headers: Record<string, string>; body: string }> {
    const ctx = this.#context(req);
    const meta = upload.metadata ?? {};
    const path = join(this.#o.directory, upload.id);
    try {
      if (meta.galleyOwner !== uploadOwner(ctx)) throw tusError(404, "The requested resource wasn't found.");
      const collection = await this.#o.collections.findFresh(meta.galleyCollectionId ?? '');
      const field = collection?.fields.find((f) => f.name === meta.field);
      if (!collection || field?.type !== 'file') throw tusError(400, "The upload's file field no longer exists.");
      const create = meta.galleyCreate === '1';
      const detected = await detectFileType(await readHead(path));
      const file: IncomingFile = {
        key: uploadBodyKey(field, create),
        originalName: meta.filename ?? '',
        size: upload.offset,
        mime: detected.mime,
        ext: detected.ext,
        path,
      };
      const body = withoutField(parseData(meta.data), field.name);
      const recordId = meta.galleyRecordId ?? '';
      let result;
      if (create) {
        result = await this.#o.records.create(collection.id, { ...body, id: recordId }, { files: [file] }, ctx);
      } else {
        delete body.id;
        result = await this.#o.records.update(collection.id, recordId, body, { files: [file] }, ctx);
      }
      return { status_code: 200, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify(result.record) };
    } catch (err) {
      throw this.#asTusError(err);
    } finally {
      // Attached (copied into the FileStore) or refused: the partial upload is done with either way.
      await this.#remove(upload.id, path);
    }
  }

  async #remove(id: string, path: string): Promise<void> {
    try {
      await (await this.#tus()).datastore.remove(id);
    } catch {
      await rm(path, { force: true }).catch(() => {});
      await rm(`${path}.json`, { force: true }).catch(() => {});
    }
  }
}

function parseData(raw: string | null | undefined): Record<string, unknown> {
  if (raw === undefined || raw === null || raw === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw tusError(400, 'The "data" upload metadata must be a JSON object.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw tusError(400, 'The "data" upload metadata must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

async function readHead(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(DETECT_BYTES);
    const { bytesRead } = await handle.read(buf, 0, DETECT_BYTES, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** A PocketBase-shaped error body for a status (the tus server sends it as is). */
function tusError(status: number, message: string): TusError {
  return { status_code: status, body: JSON.stringify({ status, message, data: {} }) };
}

async function pocketBaseErrorResponse(response: Response): Promise<Response> {
  const text = await response.text();
  const { body } = pocketBaseShaped({ status_code: response.status, body: text });
  const headers = new Headers(response.headers);
  headers.set('Content-Type', 'application/json; charset=utf-8');
  headers.delete('Content-Length');
  return new Response(body, { status: response.status, headers });
}

function pocketBaseShaped(err: unknown): TusError {
  if (!isTusError(err)) return tusError(500, 'Something went wrong while processing your request.');
  try {
    const parsed = JSON.parse(err.body) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'status' in parsed && 'message' in parsed) return err;
  } catch {
    // plain text from tus: wrapped below
  }
  const message = err.status_code >= 500 ? 'Something went wrong while processing your request.' : err.body.trim();
  return tusError(err.status_code, message);
}

function isTusError(err: unknown): err is TusError {
  return typeof err === 'object' && err !== null && typeof (err as TusError).status_code === 'number' && typeof (err as TusError).body === 'string';
}
