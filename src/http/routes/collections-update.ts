/** `PATCH /api/collections/{c}` (superusers): schema changes keep existing data. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { apiError } from '../../core/errors.js';
import { publicCollection } from '../../records/public-collection.js';
import { requireSuperuser } from '../middleware/require-superuser.js';
import type { CollectionParams } from './collection-params.js';

export function collectionsUpdateRoute(app: App): RouteOptions {
  return {
    method: 'PATCH',
    url: '/api/collections/:collection',
    preHandler: requireSuperuser,
    handler: async function updateCollection(request) {
      const { collection } = request.params as CollectionParams;
      if (!(await app.collections.findFresh(collection))) throw apiError('not_found');
      const updated = await app.collections.update(collection, request.body ?? {});
      return publicCollection(updated);
    },
  };
}
