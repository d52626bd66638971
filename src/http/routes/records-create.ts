/**
 * `POST /api/collections/{c}/records`: JSON, urlencoded or multipart body; 200 with the new record
 * (PocketBase answers 200, not 201) and its ETag. Honours `Idempotency-Key`.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { recordContext } from './records-context.js';
import { formatEtag } from './records-etag.js';
import { expandOption } from './records-params.js';
import { recordWriteInput, recordWriteOptions } from './records-write.js';

export function recordsCreateRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/collections/:collection/records',
    ...recordWriteOptions(app),
    handler: async function createRecord(request, reply) {
      const { collection, body, files } = await recordWriteInput(app, request);
      return triggerRequest(app.hooks.onRecordCreateRequest, { collection, request, body }, async (e) => {
        const { record, version } = await app.records.create(collection.id, e.body ?? {}, { ...expandOption(request), files }, recordContext(request));
        reply.header('etag', formatEtag(version));
        return record;
      }, reply);
    },
  };
}
