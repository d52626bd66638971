/** `DELETE /api/collections/{c}` (superusers): 204; 400 while other collections reference it. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { apiError } from '../../core/errors.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { requireSuperuser } from '../middleware/require-superuser.js';
import type { CollectionParams } from './collection-params.js';

export function collectionsDeleteRoute(app: App): RouteOptions {
  return {
    method: 'DELETE',
    url: '/api/collections/:collection',
    preHandler: requireSuperuser,
    handler: async function deleteCollection(request, reply) {
      const { collection } = request.params as CollectionParams;
      const found = app.collections.find(collection);
      if (!found) throw apiError('not_found');
      return triggerRequest(app.hooks.onCollectionDeleteRequest, { request, collection: found }, async (e) => {
        await app.collections.delete(e.collection.id);
        return reply.code(204).send();
      }, reply);
    },
  };
}
