/**
 * What the record create and update routes share: their route options (multipart limits of the
 * collection, `Idempotency-Key` handling) and the request's input (`?fields=` checked before
 * anything is written, the collection, the body and its uploads).
 */
import type { FastifyRequest, RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import type { Collection } from '../../core/schema.js';
import type { IncomingFile } from '../../records/record-files.js';
import { multipartRoute, uploadedFiles } from '../body/multipart-body.js';
import { requestBody } from '../body/request-body.js';
import { recordIdempotency } from './records-idempotency.js';
import { checkFieldsParam, routeCollection } from './records-params.js';
import { recordFiles, recordUploadLimits, uploadTempDir } from './records-uploads.js';

export type RecordWriteOptions = Pick<RouteOptions, 'config' | 'preHandler' | 'onSend' | 'onResponse'>;

export function recordWriteOptions(app: App): RecordWriteOptions {
  const idempotency = recordIdempotency(app);
  return {
    config: multipartRoute(recordUploadLimits(app), uploadTempDir(app)),
    preHandler: idempotency.preHandler,
    onSend: idempotency.onSend,
    onResponse: idempotency.onResponse,
  };
}

export interface RecordWriteInput {
  collection: Collection;
  body: Record<string, unknown>;
  files: IncomingFile[];
}

export async function recordWriteInput(app: App, request: FastifyRequest): Promise<RecordWriteInput> {
  checkFieldsParam(request);
  const collection = await routeCollection(app, request);
  return { collection, body: requestBody(request.body), files: recordFiles(uploadedFiles(request)) };
}
