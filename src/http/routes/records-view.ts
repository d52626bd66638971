/**
 * `GET /api/collections/{c}/records/{id}`: one record, 404 unless the view rule matches. Answers
 * with the record's ETag; an `If-None-Match` naming the current version is a 304 without a body
 * (checked after the rule, so a 304 never reveals a record the requester may not see).
 */
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import type { Collection } from '../../core/schema.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { recordContext } from './records-context.js';
import { formatEtag, ifNoneMatchHits, parseEtagCondition } from './records-etag.js';
import { expandOption, loadedCollection, recordId, routeCollection } from './records-params.js';

function view(app: App, collection: Collection, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  return triggerRequest(app.hooks.onRecordViewRequest, { collection, request, id: recordId(request) }, (e) =>
    app.records.view(collection.id, e.id ?? '', expandOption(request), recordContext(request)).then(({ record, version }) => {
      reply.header('etag', formatEtag(version));
      if (ifNoneMatchHits(request.headers['if-none-match'], version)) return reply.code(304).send();
      return record;
    }),
    reply,
  );
}

export function recordsViewRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/collections/:collection/records/:id',
    // Not async, and the collection is looked up without waiting when it is loaded: this route's
    // promises are the read's and the hook chain's (when one is bound).
    handler: function viewRecord(request, reply) {
      // A malformed header is the client's mistake whether or not the record exists.
      parseEtagCondition(request.headers['if-none-match'], 'If-None-Match');
      const collection = loadedCollection(app, request);
      if (collection === undefined) return routeCollection(app, request).then((c) => view(app, c, request, reply));
      return view(app, collection, request, reply);
    },
  };
}
