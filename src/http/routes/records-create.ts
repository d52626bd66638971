/**
 * `POST /api/collections/{c}/records`: JSON, urlencoded or multipart body; 200 with the new record
 * (PocketBase answers 200, not 201) and its ETag. Honours `Idempotency-Key`.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { multipartRoute, uploadedFiles } from '../body/multipart-body.js';
import { requestBody } from '../body/request-body.js';
import { recordContext } from './records-context.js';
import { formatEtag } from './records-etag.js';
import { recordIdempotency } from './records-idempotency.js';
import { checkFieldsParam, expandOption, routeCollection } from './records-params.js';
import { rejectUploads } from './records-uploads.js';

export function recordsCreateRoute(app: App): RouteOptions {
  const idempotency = recordIdempotency(app);
  return {
    method: 'POST',
    url: '/api/collections/:collection/records',
    config: multipartRoute(),
    preHandler: idempotency.preHandler,
    onSend: idempotency.onSend,
    onResponse: idempotency.onResponse,
    handler: async function createRecord(request, reply) {
      checkFieldsParam(request);
      const collection = await routeCollection(app, request);
      const body = requestBody(request.body);
      rejectUploads(uploadedFiles(request));
      const { record, version } = await app.records.create(collection.id, body, expandOption(request), recordContext(request));
      reply.header('etag', formatEtag(version));
      return record;
    },
  };
}
