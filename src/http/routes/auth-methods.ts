/** `GET /api/collections/{c}/auth-methods`: the login methods the collection offers (public). */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { authMethods } from '../../auth/auth-methods.js';
import { authCollection } from '../../auth/password-auth.js';
import type { CollectionParams } from './collection-params.js';

export function authMethodsRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/collections/:collection/auth-methods',
    handler: async function authMethodsHandler(request) {
      const { collection: name } = request.params as CollectionParams;
      return authMethods(authCollection(app.collections, name));
    },
  };
}
