/**
 * Reads a `multipart/form-data` body (busboy, the parser behind @fastify/multipart) into the plain
 * fields object and the file parts. File parts are streamed to temporary files as they arrive, with
 * backpressure (a slow disk slows the socket), so memory stays flat whatever the upload size; the
 * first bytes are kept aside to detect the type. Every way a body can be broken — a missing or bad
 * boundary, a truncated stream, too many parts, too many bytes — ends as a 4xx ApiError (and no
 * temporary file left behind), never as a thrown parser error that would become a 500.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { BusboyFileStream, BusboyHeaders } from '@fastify/busboy';
import { apiError, isApiError } from '../../core/errors.js';
import type { ApiError } from '../../core/errors.js';
import { DETECT_BYTES, detectFileType } from '../../files/detect-file-type.js';
import { DEFAULT_BODY_LIMITS } from './body-limits.js';
import type { BodyLimits } from './body-limits.js';
import { FormFields } from './form-fields.js';
import type { UploadedFile } from './uploaded-file.js';

export interface MultipartBody {
  fields: Record<string, unknown>;
  files: UploadedFile[];
}

export interface ParseMultipartOptions {
  /** Where file parts are written (created if missing). Default: `<os tmpdir>/galley-uploads`. */
  tempDir?: string;
}

export const DEFAULT_UPLOAD_TEMP_DIR = join(tmpdir(), 'galley-uploads');

// Loaded on the first multipart body, not at start: most nodes mostly read JSON.
const loadBusboy = () => import('@fastify/busboy');
let busboyModule: ReturnType<typeof loadBusboy> | undefined;

export async function parseMultipart(
  stream: Readable,
  headers: Record<string, string | string[] | undefined>,
  limits: BodyLimits = DEFAULT_BODY_LIMITS,
  options: ParseMultipartOptions = {},
): Promise<MultipartBody> {
  const contentType = headers['content-type'];
  if (typeof contentType !== 'string' || !/boundary=/i.test(contentType)) {
    stream.resume();
    throw apiError('bad_request', 'Invalid multipart body: missing boundary.');
  }
  const tempDir = options.tempDir ?? DEFAULT_UPLOAD_TEMP_DIR;
  await mkdir(tempDir, { recursive: true });
  if (!swept.has(tempDir)) {
    swept.add(tempDir);
    await sweepStale(tempDir);
  }
  const { Busboy } = await (busboyModule ??= loadBusboy());
  return new Promise((resolve, reject) => {
    let busboy: ReturnType<typeof Busboy>;
    try {
      busboy = Busboy({
        headers: { ...headers, 'content-type': contentType } as BusboyHeaders,
        limits: {
          fieldSize: limits.maxFieldBytes,
          fileSize: limits.maxBytes,
          parts: limits.maxParts,
          files: limits.maxFiles,
          fieldNameSize: 1000,
        },
      });
    } catch (err) {
      stream.resume();
      reject(apiError('bad_request', 'Invalid multipart body.', undefined, err));
      return;
    }

    const fields = new FormFields();
    // Slots in part order: detection finishes asynchronously, and the order of files is the value's order.
    const files: Array<UploadedFile | undefined> = [];
    const temps: string[] = [];
    const writers = new Set<WriteStream>();
    let received = 0;
    let pending = 0;
    let finished = false;
    let failed = false;

    const fail = (error: ApiError): void => {
      if (failed) return;
      failed = true;
      stream.unpipe(busboy);
      // Drain what is left so the socket can carry the error response.
      stream.resume();
      // A writer whose open is still in flight creates its file after the destroy; removing the
      // files before every writer has closed could leave one behind.
      const closed = [...writers].map((w) => (w.closed ? undefined : new Promise<void>((r) => w.once('close', () => r()))));
      for (const w of writers) w.destroy();
      void Promise.all(closed)
        .then(() => Promise.all(temps.map((p) => rm(p, { force: true }).catch(() => {}))))
        .then(() => reject(error));
    };
    const done = (): void => {
      if (!failed && finished && pending === 0) resolve({ fields: fields.toObject(), files: files.filter((f) => f !== undefined) });
    };

    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.maxBytes) fail(apiError('payload_too_large'));
    });
    stream.on('error', (err) => fail(apiError('bad_request', 'The request body could not be read.', undefined, err)));
    // A client that goes away mid-body: the stream just stops; aborted requests end as errors here.
    stream.on('aborted', () => fail(apiError('bad_request', 'The request body was cut short.')));

    busboy.on('field', (name, value, nameTruncated, valueTruncated) => {
      if (failed) return;
      if (nameTruncated) return fail(apiError('bad_request', 'A multipart field name is too long.'));
      if (valueTruncated) return fail(apiError('payload_too_large', `The multipart field "${name}" is too large.`));
      try {
        fields.add(name, value);
      } catch (err) {
        fail(isApiError(err) ? err : apiError('bad_request', undefined, undefined, err));
      }
    });
    busboy.on('file', (name, file: BusboyFileStream, filename, _encoding, mimeType) => {
      if (failed) {
        file.resume();
        return;
      }
      pending++;
      const slot = files.length;
      files.push(undefined);
      const path = join(tempDir, `${randomBytes(12).toString('hex')}.upload`);
      temps.push(path);
      const keep = limits.fileBytes?.(name) ?? limits.maxBytes;
      const out = createWriteStream(path, { flags: 'wx' });
      writers.add(out);
      const head: Buffer[] = [];
      let headBytes = 0;
      let size = 0;
      let truncated = false;
      out.on('error', (err) => fail(apiError('internal', undefined, undefined, err)));
      file.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (headBytes < DETECT_BYTES) {
          head.push(chunk.subarray(0, DETECT_BYTES - headBytes));
          headBytes += Math.min(chunk.length, DETECT_BYTES - headBytes);
        }
        if (truncated || failed) return;
        if (size > keep) {
          truncated = true; // the rest is read and dropped: the record layer refuses the file
          return;
        }
        if (!out.write(chunk)) {
          file.pause();
          out.once('drain', () => file.resume());
        }
      });
      file.on('limit', () => fail(apiError('payload_too_large')));
      file.on('error', (err) => fail(apiError('bad_request', 'Invalid multipart body.', undefined, err)));
      file.on('end', () => {
        out.end(() => {
          writers.delete(out);
          if (failed) return;
          detectFileType(Buffer.concat(head)).then(
            (detected) => {
              pending--;
              // An empty file input (no name, no bytes) is "no file", as browsers and Go's parser treat it.
              if (filename || size > 0) {
                files[slot] = { field: name, filename: filename ?? '', mimeType: mimeType || 'application/octet-stream', size, truncated, detected, path };
              } else {
                void rm(path, { force: true }).catch(() => {});
              }
              done();
            },
            (err: unknown) => fail(apiError('internal', undefined, undefined, err)),
          );
        });
      });
    });
    busboy.on('partsLimit', () => fail(apiError('payload_too_large', 'Too many multipart parts.')));
    busboy.on('filesLimit', () => fail(apiError('payload_too_large', 'Too many uploaded files.')));
    busboy.on('error', (err) => fail(apiError('bad_request', 'Invalid multipart body.', undefined, err)));
    busboy.on('finish', () => {
      finished = true;
      done();
    });
    stream.pipe(busboy);
  });
}

const swept = new Set<string>();
/** Temporary files older than this are leftovers of a crashed process. */
const STALE_MS = 60 * 60 * 1000;

/** Removes leftovers of a crash (once per folder and process, before the first upload there). */
async function sweepStale(dir: string): Promise<void> {
  const cutoff = Date.now() - STALE_MS;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtimeMs < cutoff) await rm(path, { force: true }).catch(() => {});
  }
}

/** Deletes the temporary files of parsed uploads (idempotent, never throws). */
export async function removeUploadTemps(files: readonly UploadedFile[]): Promise<void> {
  await Promise.all(files.map((f) => rm(f.path, { force: true }).catch(() => {})));
}
