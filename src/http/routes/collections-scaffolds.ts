/** `GET /api/collections/meta/scaffolds` (superusers): a blank collection of each type. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function collectionsScaffoldsRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/collections/meta/scaffolds',
    preHandler: requireSuperuser,
    handler: async function collectionScaffolds() {
      return app.collections.scaffolds();
    },
  };
}
