/** `GET /api/collections/{c}/auth-methods`: the login methods the collection offers (public). */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { authMethods } from '../../auth/auth-methods.js';
import { authCollection } from '../../auth/password-auth.js';
import { oauth2Service } from './auth-oauth2.js';
import type { CollectionParams } from './collection-params.js';

export function authMethodsRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/collections/:collection/auth-methods',
    handler: async function authMethodsHandler(request) {
      const { collection: name } = request.params as CollectionParams;
      const collection = authCollection(app.collections, name);
      const methods = authMethods(collection);
      // OAuth2 providers carry a fresh state and PKCE pair per call (docs/oauth2.md).
      const providers = await oauth2Service(app).listProviders(collection);
      if (providers.length > 0) {
        methods.oauth2 = { enabled: true, providers };
        methods.authProviders = providers;
      }
      return methods;
    },
  };
}
