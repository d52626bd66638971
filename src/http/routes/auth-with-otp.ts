/** `POST /api/collections/{c}/auth-with-otp`: `{otpId, password}` -> auth response (or 401 `{mfaId}`). */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { authCollection } from '../../auth/password-auth.js';
import { bodyOf, loginRequest } from './auth-request-info.js';
import { sendLoginResult } from './auth-response.js';
import type { CollectionParams } from './collection-params.js';

export function authWithOtpRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/collections/:collection/auth-with-otp',
    handler: async function authWithOtpHandler(request, reply) {
      const { collection: name } = request.params as CollectionParams;
      const body = bodyOf(request);
      const res = await app.auth.otpLogin(
        authCollection(app.collections, name),
        { otpId: body.otpId, password: body.password },
        loginRequest(app, request, 'otp'),
      );
      return sendLoginResult(app, request, reply, res, 'otp');
    },
  };
}
