/** `GET /api/collections/{c}` (superusers), by id or case-insensitive name. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { apiError } from '../../core/errors.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { publicCollection } from '../../records/public-collection.js';
import { requireSuperuser } from '../middleware/require-superuser.js';
import type { CollectionParams } from './collection-params.js';

export function collectionsViewRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/collections/:collection',
    preHandler: requireSuperuser,
    handler: async function viewCollection(request, reply) {
      const { collection } = request.params as CollectionParams;
      const found = await app.collections.findFresh(collection);
      if (!found) throw apiError('not_found');
      return triggerRequest(app.hooks.onCollectionViewRequest, { request, collection: found }, async (e) => publicCollection(e.collection), reply);
    },
  };
}
