/**
 * `PATCH /api/collections/{c}/records/{id}`: 404 unless the update rule matches; `If-Match` with a
 * stale version is a 412 (checked inside the write transaction by the record service).
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { recordContext } from './records-context.js';
import { formatEtag, ifMatchVersion } from './records-etag.js';
import { expandOption, recordId } from './records-params.js';
import { recordWriteInput, recordWriteOptions } from './records-write.js';

export function recordsUpdateRoute(app: App): RouteOptions {
  return {
    method: 'PATCH',
    url: '/api/collections/:collection/records/:id',
    ...recordWriteOptions(app),
    handler: async function updateRecord(request, reply) {
      const ifMatch = ifMatchVersion(request.headers['if-match']);
      const { collection, body, files } = await recordWriteInput(app, request);
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
      }, reply);
    },
  };
}
