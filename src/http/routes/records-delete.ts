/** `DELETE /api/collections/{c}/records/{id}`: 204 with no body; `If-Match` as for update. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { recordContext } from './records-context.js';
import { ifMatchVersion } from './records-etag.js';
import { recordIdempotency } from './records-idempotency.js';
import { recordId, routeCollection } from './records-params.js';

export function recordsDeleteRoute(app: App): RouteOptions {
  const idempotency = recordIdempotency(app);
  return {
    method: 'DELETE',
    url: '/api/collections/:collection/records/:id',
    preHandler: idempotency.preHandler,
    onSend: idempotency.onSend,
    onResponse: idempotency.onResponse,
    handler: async function deleteRecord(request, reply) {
      const ifMatch = ifMatchVersion(request.headers['if-match']);
      const collection = await routeCollection(app, request);
      return triggerRequest(app.hooks.onRecordDeleteRequest, { collection, request, id: recordId(request) }, async (e) => {
        await app.records.delete(collection.id, e.id ?? '', ifMatch === undefined ? {} : { ifMatch }, recordContext(request));
        return reply.code(204).send();
      }, reply);
    },
  };
}
