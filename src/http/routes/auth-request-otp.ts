/** `POST /api/collections/{c}/request-otp`: `{email}` -> `{otpId}` (also for unknown emails). */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { authCollection } from '../../auth/password-auth.js';
import { bodyOf } from './auth-request-info.js';
import type { CollectionParams } from './collection-params.js';

export function authRequestOtpRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/collections/:collection/request-otp',
    handler: async function authRequestOtpHandler(request) {
      const { collection: name } = request.params as CollectionParams;
      return app.auth.requestOtp(authCollection(app.collections, name), bodyOf(request).email);
    },
  };
}
