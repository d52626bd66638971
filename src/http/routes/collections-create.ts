/** `POST /api/collections` (superusers): validates, creates the table, answers the new collection. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { publicCollection } from '../../records/public-collection.js';
import { requireSuperuser } from '../middleware/require-superuser.js';
import { bodyOf } from './auth-request-info.js';

export function collectionsCreateRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/collections',
    preHandler: requireSuperuser,
    handler: async function createCollection(request, reply) {
      return triggerRequest(app.hooks.onCollectionCreateRequest, { request, body: bodyOf(request) }, async (e) =>
        publicCollection(await app.collections.create(e.body)), reply);
    },
  };
}
