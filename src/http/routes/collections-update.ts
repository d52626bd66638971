/** `PATCH /api/collections/{c}` (superusers): schema changes keep existing data. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { apiError } from '../../core/errors.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { publicCollection } from '../../records/public-collection.js';
import { requireSuperuser } from '../middleware/require-superuser.js';
import { bodyOf } from './auth-request-info.js';
import type { CollectionParams } from './collection-params.js';

export function collectionsUpdateRoute(app: App): RouteOptions {
  return {
    method: 'PATCH',
    url: '/api/collections/:collection',
    preHandler: requireSuperuser,
    handler: async function updateCollection(request, reply) {
      const { collection } = request.params as CollectionParams;
      const found = await app.collections.findFresh(collection);
      if (!found) throw apiError('not_found');
      return triggerRequest(app.hooks.onCollectionUpdateRequest, { request, collection: found, body: bodyOf(request) }, async (e) =>
        publicCollection(await app.collections.update(e.collection.id, e.body ?? {})), reply);
    },
  };
}
