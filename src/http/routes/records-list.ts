/** `GET /api/collections/{c}/records`: a page of the records the list rule lets the requester see. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { parseListQuery } from '../list-query.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { recordContext } from './records-context.js';
import { expandOption, routeCollection } from './records-params.js';

export function recordsListRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/collections/:collection/records',
    handler: async function listRecords(request, reply) {
      const collection = await routeCollection(app, request);
      const query = parseListQuery(request.query);
      return triggerRequest(app.hooks.onRecordsListRequest, { collection, request }, () => app.records.list(
        collection.id,
        {
          page: query.page,
          perPage: query.perPage,
          sort: query.sort,
          filter: query.filter,
          skipTotal: query.skipTotal,
          ...expandOption(request),
        },
        recordContext(request),
      ), reply);
    },
  };
}
