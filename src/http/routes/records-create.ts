/**
 * `POST /api/collections/{c}/records`: JSON, urlencoded or multipart body; 200 with the new record
 * (PocketBase answers 200, not 201) and its ETag. Honours `Idempotency-Key`.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { multipartRoute, uploadedFiles } from '../body/multipart-body.js';
import { requestBody } from '../body/request-body.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { recordContext } from './records-context.js';
import { formatEtag } from './records-etag.js';
import { recordIdempotency } from './records-idempotency.js';
import { checkFieldsParam, expandOption, routeCollection } from './records-params.js';
import { recordFiles, recordUploadLimits, uploadTempDir } from './records-uploads.js';

export function recordsCreateRoute(app: App): RouteOptions {
  const idempotency = recordIdempotency(app);
  return {
    method: 'POST',
    url: '/api/collections/:collection/records',
    config: multipartRoute(recordUploadLimits(app), uploadTempDir(app)),
    preHandler: idempotency.preHandler,
    onSend: idempotency.onSend,
    onResponse: idempotency.onResponse,
    handler: async function createRecord(request, reply) {
      checkFieldsParam(request);
      const collection = await routeCollection(app, request);
      const body = requestBody(request.body);
      const files = recordFiles(uploadedFiles(request));
      return triggerRequest(app.hooks.onRecordCreateRequest, { collection, request, body }, async (e) => {
        const { record, version } = await app.records.create(collection.id, e.body ?? {}, { ...expandOption(request), files }, recordContext(request));
        reply.header('etag', formatEtag(version));
        return record;
      });
    },
  };
}
