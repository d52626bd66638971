/** `PUT /api/collections/import` (superusers): `{collections, deleteMissing}` applied as one change; 204. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { fieldError, validationError } from '../../core/errors.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function collectionsImportRoute(app: App): RouteOptions {
  return {
    method: 'PUT',
    url: '/api/collections/import',
    preHandler: requireSuperuser,
    handler: async function importCollections(request, reply) {
      const body = (request.body ?? {}) as { collections?: unknown; deleteMissing?: unknown };
      // Checked before the hook, as PocketBase does: handlers always see a non-empty list.
      if (!Array.isArray(body.collections) || body.collections.length === 0) {
        throw validationError({ collections: fieldError('validation_required') });
      }
      const event = { request, collectionsData: body.collections, deleteMissing: body.deleteMissing === true };
      return triggerRequest(app.hooks.onCollectionsImportRequest, event, async (e) => {
        await app.collections.import(e.collectionsData, e.deleteMissing);
        return reply.code(204).send();
      }, reply);
    },
  };
}
