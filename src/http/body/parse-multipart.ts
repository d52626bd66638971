/**
 * Reads a whole `multipart/form-data` body (busboy, the parser behind @fastify/multipart) into the
 * plain fields object and the buffered file parts. Every way a body can be broken — a missing or
 * bad boundary, a truncated stream, too many parts, too many bytes — ends as a 4xx ApiError, never
 * as a thrown parser error that would become a 500.
 */
import type { Readable } from 'node:stream';
import { Busboy } from '@fastify/busboy';
import type { BusboyFileStream, BusboyHeaders } from '@fastify/busboy';
import { apiError, isApiError } from '../../core/errors.js';
import type { ApiError } from '../../core/errors.js';
import { DEFAULT_BODY_LIMITS } from './body-limits.js';
import type { BodyLimits } from './body-limits.js';
import { FormFields } from './form-fields.js';
import type { UploadedFile } from './uploaded-file.js';

export interface MultipartBody {
  fields: Record<string, unknown>;
  files: UploadedFile[];
}

export function parseMultipart(
  stream: Readable,
  headers: Record<string, string | string[] | undefined>,
  limits: BodyLimits = DEFAULT_BODY_LIMITS,
): Promise<MultipartBody> {
  return new Promise((resolve, reject) => {
    const contentType = headers['content-type'];
    if (typeof contentType !== 'string' || !/boundary=/i.test(contentType)) {
      reject(apiError('bad_request', 'Invalid multipart body: missing boundary.'));
      return;
    }
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
      reject(apiError('bad_request', 'Invalid multipart body.', undefined, err));
      return;
    }

    const fields = new FormFields();
    const files: UploadedFile[] = [];
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
      reject(error);
    };
    const done = (): void => {
      if (!failed && finished && pending === 0) resolve({ fields: fields.toObject(), files });
    };

    stream.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.maxBytes) fail(apiError('payload_too_large'));
    });
    stream.on('error', (err) => fail(apiError('bad_request', 'The request body could not be read.', undefined, err)));

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
      const chunks: Buffer[] = [];
      file.on('data', (chunk: Buffer) => chunks.push(chunk));
      file.on('limit', () => fail(apiError('payload_too_large')));
      file.on('error', (err) => fail(apiError('bad_request', 'Invalid multipart body.', undefined, err)));
      file.on('end', () => {
        pending--;
        files.push({ field: name, filename: filename ?? '', mimeType: mimeType || 'application/octet-stream', data: Buffer.concat(chunks) });
        done();
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
