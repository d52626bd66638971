/** `PUT /api/collections/import` (superusers): `{collections, deleteMissing}` applied as one change; 204. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { fieldError, validationError } from '../../core/errors.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function collectionsImportRoute(app: App): RouteOptions {
  return {
    method: 'PUT',
    url: '/api/collections/import',
    preHandler: requireSuperuser,
    handler: async function importCollections(request, reply) {
      const body = (request.body ?? {}) as { collections?: unknown; deleteMissing?: unknown };
      if (!Array.isArray(body.collections) || body.collections.length === 0) {
        throw validationError({ collections: fieldError('validation_required') });
      }
      await app.collections.import(body.collections, body.deleteMissing === true);
      return reply.code(204).send();
    },
  };
}
