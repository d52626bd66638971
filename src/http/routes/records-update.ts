/**
 * `PATCH /api/collections/{c}/records/{id}`: 404 unless the update rule matches; `If-Match` with a
 * stale version is a 412 (checked inside the write transaction by the record service).
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { multipartRoute, uploadedFiles } from '../body/multipart-body.js';
import { requestBody } from '../body/request-body.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { recordContext } from './records-context.js';
import { formatEtag, ifMatchVersion } from './records-etag.js';
import { recordIdempotency } from './records-idempotency.js';
import { checkFieldsParam, expandOption, recordId, routeCollection } from './records-params.js';
import { recordFiles, recordUploadLimits, uploadTempDir } from './records-uploads.js';

export function recordsUpdateRoute(app: App): RouteOptions {
  const idempotency = recordIdempotency(app);
  return {
    method: 'PATCH',
    url: '/api/collections/:collection/records/:id',
    config: multipartRoute(recordUploadLimits(app), uploadTempDir(app)),
    preHandler: idempotency.preHandler,
    onSend: idempotency.onSend,
    onResponse: idempotency.onResponse,
    handler: async function updateRecord(request, reply) {
      const ifMatch = ifMatchVersion(request.headers['if-match']);
      checkFieldsParam(request);
      const collection = await routeCollection(app, request);
      const body = requestBody(request.body);
      const files = recordFiles(uploadedFiles(request));
      return triggerRequest(app.hooks.onRecordUpdateRequest, { collection, request, body, id: recordId(request) }, async (e) => {
        const { record, version } = await app.records.update(
          collection.id,
          e.id ?? '',
          e.body ?? {},
          { ...expandOption(request), files, ...(ifMatch === undefined ? {} : { ifMatch }) },
          recordContext(request),
        );
        reply.header('etag', formatEtag(version));
        return record;
      });
    },
  };
}
