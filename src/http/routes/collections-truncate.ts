/** `DELETE /api/collections/{c}/truncate` (superusers): deletes every record; 400 for views. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { apiError } from '../../core/errors.js';
import { requireSuperuser } from '../middleware/require-superuser.js';
import type { CollectionParams } from './collection-params.js';

export function collectionsTruncateRoute(app: App): RouteOptions {
  return {
    method: 'DELETE',
    url: '/api/collections/:collection/truncate',
    preHandler: requireSuperuser,
    handler: async function truncateCollection(request, reply) {
      const { collection } = request.params as CollectionParams;
      if (!app.collections.find(collection)) throw apiError('not_found');
      await app.collections.truncate(collection);
      return reply.code(204).send();
    },
  };
}
