/**
 * `GET /api/collections/{c}/records/{id}`: one record, 404 unless the view rule matches. Answers
 * with the record's ETag; an `If-None-Match` naming the current version is a 304 without a body
 * (checked after the rule, so a 304 never reveals a record the requester may not see).
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { recordContext } from './records-context.js';
import { formatEtag, ifNoneMatchHits, parseEtagCondition } from './records-etag.js';
import { expandOption, recordId, routeCollection } from './records-params.js';

export function recordsViewRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/collections/:collection/records/:id',
    handler: async function viewRecord(request, reply) {
      // A malformed header is the client's mistake whether or not the record exists.
      parseEtagCondition(request.headers['if-none-match'], 'If-None-Match');
      const collection = await routeCollection(app, request);
      return triggerRequest(app.hooks.onRecordViewRequest, { collection, request, id: recordId(request) }, async (e) => {
        const { record, version } = await app.records.view(collection.id, e.id ?? '', expandOption(request), recordContext(request));
        reply.header('etag', formatEtag(version));
        if (ifNoneMatchHits(request.headers['if-none-match'], version)) return reply.code(304).send();
        return record;
      });
    },
  };
}
