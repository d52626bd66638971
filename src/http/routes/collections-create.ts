/** `POST /api/collections` (superusers): validates, creates the table, answers the new collection. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { publicCollection } from '../../records/public-collection.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function collectionsCreateRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/collections',
    preHandler: requireSuperuser,
    handler: async function createCollection(request) {
      const created = await app.collections.create(request.body ?? {});
      return publicCollection(created);
    },
  };
}
