/** `POST /api/collections/{c}/auth-refresh`: a fresh token for the caller's own record. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { authCollection, authRefresh } from '../../auth/password-auth.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { authRequestInfo, bodyOf } from './auth-request-info.js';
import { authResponse } from './auth-response.js';
import type { CollectionParams } from './collection-params.js';

export function authRefreshRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/collections/:collection/auth-refresh',
    handler: function authRefreshHandler(request, reply) {
      const { collection: name } = request.params as CollectionParams;
      const collection = authCollection(app.collections, name);
      // The token was verified by the authenticate hook, which kept whether its claims allow renewal.
      const refreshable = request.authToken !== undefined && request.auth?.refreshable !== false;
      return triggerRequest(app.hooks.onRecordAuthRefreshRequest, { collection, request, body: bodyOf(request) }, () =>
        authRefresh({ db: app.db, collections: app.collections }, collection, request.auth, request.authToken, refreshable, () => authRequestInfo(request, 'default')).then((res) =>
          authResponse(app, request, reply, res, 'default', 'refresh'),
        ),
        reply,
      );
    },
  };
}
