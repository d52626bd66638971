/**
 * `POST /api/realtime {clientId, subscriptions}`: replaces the client's subscription set (`[]`
 * clears it) and binds this request's auth to the client, PocketBase's semantics: guest -> auth is
 * allowed, any other change of identity is 403. The stream may be held by another node; the
 * registry forwards the request there and waits for its answer (404 when no node holds it).
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { fieldError, validationError } from '../../core/errors.js';
import type { ErrorData } from '../../core/errors.js';
import { realIp } from '../middleware/client-ip.js';

export function realtimeSubscribeRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/realtime',
    handler: async function setRealtimeSubscriptions(request, reply) {
      const body = (request.body ?? {}) as { clientId?: unknown; subscriptions?: unknown };
      const limits = app.realtime.limits;
      const errors: ErrorData = {};
      const clientId = typeof body.clientId === 'string' ? body.clientId : '';
      if (clientId === '') errors.clientId = fieldError('validation_required');
      else if (clientId.length > 255) errors.clientId = fieldError('validation_max_text_constraint', { max: 255 });
      let subscriptions: string[] = [];
      if (body.subscriptions !== undefined && body.subscriptions !== null) {
        if (!Array.isArray(body.subscriptions) || body.subscriptions.some((s) => typeof s !== 'string')) {
          errors.subscriptions = fieldError('validation_invalid_type');
        } else if (body.subscriptions.length > limits.maxSubscriptionsPerClient) {
          errors.subscriptions = fieldError('validation_too_many_values', { maxSelect: limits.maxSubscriptionsPerClient });
        } else {
          subscriptions = body.subscriptions as string[];
          const items: ErrorData = {};
          subscriptions.forEach((s, i) => {
            if (s.length > limits.maxTopicLength) items[String(i)] = fieldError('validation_max_text_constraint', { max: limits.maxTopicLength });
          });
          if (Object.keys(items).length > 0) errors.subscriptions = items;
        }
      }
      if (Object.keys(errors).length > 0) throw validationError(errors);
      const { trustedProxy } = app.settings.get();
      const set = (subs: string[]): Promise<unknown> => app.realtime.clients.setSubscriptions({
        clientId,
        subscriptions: subs,
        auth: request.auth,
        // Only a real client IP is compared with the stream's (see SetSubscriptionsRequest.ip).
        ip: trustedProxy.headers.length > 0 ? realIp(request.raw, trustedProxy) : undefined,
      });
      const hook = app.hooks.onRealtimeSubscribeRequest;
      if (hook.length === 0) await set(subscriptions);
      else await hook.trigger({ request, transport: 'sse', clientId, subscriptions }, async (e) => { await set(e.subscriptions); });
      return reply.code(204).send();
    },
  };
}
