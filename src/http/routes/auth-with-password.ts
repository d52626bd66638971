/** `POST /api/collections/{c}/auth-with-password`: `{identity, password, identityField?}` -> `{token, record}`. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { isSuperuser } from '../../auth/authenticate.js';
import { authCollection, authWithPassword } from '../../auth/password-auth.js';
import { authRequestInfo } from './auth-request-info.js';
import { authResponse } from './auth-response.js';
import type { CollectionParams } from './collection-params.js';

export function authWithPasswordRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/collections/:collection/auth-with-password',
    handler: async function authWithPasswordHandler(request) {
      const { collection: name } = request.params as CollectionParams;
      const collection = authCollection(app.collections, name);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const res = await authWithPassword(
        { db: app.db, collections: app.collections },
        collection,
        { identity: body.identity, password: body.password, identityField: body.identityField },
        { request: authRequestInfo(request, 'password'), isSuperuser: isSuperuser(request.auth) },
      );
      return authResponse(app, request, res, 'password');
    },
  };
}
