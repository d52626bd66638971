/** `GET /api/collections` (superusers): the paginated list, PocketBase's list shape. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { publicCollection } from '../../records/public-collection.js';
import { listResult, parseListQuery } from '../list-query.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function collectionsListRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/collections',
    preHandler: requireSuperuser,
    handler: async function listCollections(request, reply) {
      const query = parseListQuery(request.query);
      return triggerRequest(app.hooks.onCollectionsListRequest, { request }, async () => {
        const all = app.collections.list({ filter: query.filter, sort: query.sort });
        const start = (query.page - 1) * query.perPage;
        const items = all.slice(start, start + query.perPage).map(publicCollection);
        return listResult(query, items, all.length);
      }, reply);
    },
  };
}
