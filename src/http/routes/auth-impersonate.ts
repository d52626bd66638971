/**
 * `POST /api/collections/{c}/impersonate/{id}` (superusers): `{duration?}` -> a non-refreshable
 * auth response for record `id`, as PocketBase.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { authCollection } from '../../auth/password-auth.js';
import { requireSuperuser } from '../middleware/require-superuser.js';
import { bodyOf } from './auth-request-info.js';
import { authResponse } from './auth-response.js';

export function authImpersonateRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/collections/:collection/impersonate/:id',
    preHandler: requireSuperuser,
    handler: async function authImpersonateHandler(request, reply) {
      const { collection: name, id } = request.params as { collection: string; id: string };
      const res = await app.auth.impersonate(authCollection(app.collections, name), id, bodyOf(request).duration);
      return authResponse(app, request, reply, res, 'default', 'impersonate');
    },
  };
}
