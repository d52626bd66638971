/** `GET /api/collections` (superusers): the paginated list, PocketBase's list shape. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { publicCollection } from '../../records/public-collection.js';
import { listResult, parseListQuery } from '../list-query.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function collectionsListRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/collections',
    preHandler: requireSuperuser,
    handler: async function listCollections(request) {
      const query = parseListQuery(request.query);
      const all = await app.collections.list({ filter: query.filter, sort: query.sort });
      const start = (query.page - 1) * query.perPage;
      const items = all.slice(start, start + query.perPage).map(publicCollection);
      return listResult(query, items, all.length);
    },
  };
}
