/** `POST /api/collections/{c}/auth-with-otp`: `{otpId, password}` -> auth response (or 401 `{mfaId}`). */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { authCollection } from '../../auth/password-auth.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { bodyOf, loginRequest } from './auth-request-info.js';
import { sendLoginResult } from './auth-response.js';
import type { CollectionParams } from './collection-params.js';

export function authWithOtpRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/collections/:collection/auth-with-otp',
    handler: async function authWithOtpHandler(request, reply) {
      const { collection: name } = request.params as CollectionParams;
      const collection = authCollection(app.collections, name);
      return triggerRequest(app.hooks.onRecordAuthWithOTPRequest, { collection, request, body: bodyOf(request) }, async ({ body }) => {
        const res = await app.auth.otpLogin(collection, { otpId: body.otpId, password: body.password }, loginRequest(app, request, 'otp'));
        return sendLoginResult(app, request, reply, res, 'otp');
      }, reply);
    },
  };
}
