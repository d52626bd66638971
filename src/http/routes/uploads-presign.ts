/**
 * `POST /api/uploads/presign`: a presigned PUT URL for one file of a record's file field, straight
 * to the S3 bucket (see files/uploads/presigned-uploads.ts and docs/s3.md). JSON body
 * `{collection, field, filename, size, contentType?, recordId?}`.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { fieldError, validationError } from '../../core/errors.js';
import type { ErrorData } from '../../core/errors.js';
import type { PresignRequest } from '../../files/uploads/presigned-uploads.js';
import { recordContext } from './records-context.js';
import { presignedUploads } from './uploads-service.js';

export function uploadsPresignRoute(app: App): RouteOptions {
  const uploads = presignedUploads(app);
  return {
    method: 'POST',
    url: '/api/uploads/presign',
    handler: async function presignUpload(request) {
      return uploads.presign(presignRequest(request.body), recordContext(request));
    },
  };
}

function presignRequest(body: unknown): PresignRequest {
  const b = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const errors: ErrorData = {};
  const text = (key: string, required: boolean, max: number): string | undefined => {
    const v = b[key];
    if (v === undefined || v === null || v === '') {
      if (required) errors[key] = fieldError('validation_required');
      return undefined;
    }
    if (typeof v !== 'string' || v.length > max) {
      errors[key] = fieldError('validation_invalid_value');
      return undefined;
    }
    return v;
  };
  const collection = text('collection', true, 255);
  const field = text('field', true, 255);
  const filename = text('filename', true, 255);
  const contentType = text('contentType', false, 255);
  const recordId = text('recordId', false, 255);
  const size = b.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) errors.size = fieldError('validation_invalid_value');
  if (Object.keys(errors).length > 0) throw validationError(errors);
  return {
    collection: collection as string,
    field: field as string,
    filename: filename as string,
    size: size as number,
    ...(contentType ? { contentType } : {}),
    ...(recordId ? { recordId } : {}),
  };
}
