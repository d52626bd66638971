/**
 * `POST /api/collections/{c}/auth-with-totp` (Galley): `{mfaId, code}` — the second step of an MFA
 * login with an authenticator-app code or a recovery code -> auth response.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { authCollection } from '../../auth/password-auth.js';
import { bodyOf, loginRequest } from './auth-request-info.js';
import { sendLoginResult } from './auth-response.js';
import type { CollectionParams } from './collection-params.js';

export function authWithTotpRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/collections/:collection/auth-with-totp',
    handler: async function authWithTotpHandler(request, reply) {
      const { collection: name } = request.params as CollectionParams;
      const res = await app.auth.totpLogin(authCollection(app.collections, name), { code: bodyOf(request).code }, loginRequest(app, request, 'default'));
      return sendLoginResult(app, request, reply, res, 'default', 'totp');
    },
  };
}
