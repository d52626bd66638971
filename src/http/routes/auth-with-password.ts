/** `POST /api/collections/{c}/auth-with-password`: `{identity, password, identityField?}` -> `{token, record}`. */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { authCollection } from '../../auth/password-auth.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { bodyOf, loginRequest } from './auth-request-info.js';
import { sendLoginResult } from './auth-response.js';
import type { CollectionParams } from './collection-params.js';

export function authWithPasswordRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/collections/:collection/auth-with-password',
    handler: async function authWithPasswordHandler(request, reply) {
      const { collection: name } = request.params as CollectionParams;
      const collection = authCollection(app.collections, name);
      return triggerRequest(app.hooks.onRecordAuthWithPasswordRequest, { collection, request, body: bodyOf(request) }, async ({ body }) => {
        const res = await app.auth.passwordLogin(
          collection,
          { identity: body.identity, password: body.password, identityField: body.identityField },
          loginRequest(app, request, 'password'),
        );
        return sendLoginResult(app, request, reply, res, 'password');
      }, reply);
    },
  };
}
