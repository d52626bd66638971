/** `POST /api/collections/{c}/request-otp`: `{email}` -> `{otpId}` (also for unknown emails). */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { authCollection } from '../../auth/password-auth.js';
import { triggerRequest } from '../../hooks/app-hooks.js';
import { bodyOf } from './auth-request-info.js';
import type { CollectionParams } from './collection-params.js';

export function authRequestOtpRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/collections/:collection/request-otp',
    handler: async function authRequestOtpHandler(request, reply) {
      const { collection: name } = request.params as CollectionParams;
      const collection = authCollection(app.collections, name);
      return triggerRequest(app.hooks.onRecordRequestOTPRequest, { collection, request, body: bodyOf(request) }, ({ body }) =>
        app.auth.requestOtp(collection, body.email), reply);
    },
  };
}
