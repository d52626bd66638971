/**
 * Keeps an API key within its scopes (auth/api-keys.ts): an onRequest hook after authentication.
 * Record routes are matched by collection and action (`posts:list`); any other route needs `*`
 * (or `read` for GET/HEAD). Outside its scopes a key gets 403.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import type { App } from '../../app/app.js';
import { apiKeyAllows } from '../../auth/api-keys.js';
import { apiError } from '../../core/errors.js';
import { collectionRouteTags } from './rate-limit-labels.js';

const RECORD_ACTIONS = new Set(['list', 'view', 'create', 'update', 'delete']);

export function apiKeyScopesHook(app: App) {
  // Callback-style: an async hook would cost a promise on every request, and few carry a key.
  return function apiKeyScopes(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const key = request.auth?.apiKey;
    if (!key) {
      done();
      return;
    }
    const [action] = collectionRouteTags(request.method, request.routeOptions.url);
    const param = (request.params as { collection?: unknown } | undefined)?.collection;
    const collection = action && RECORD_ACTIONS.has(action) && typeof param === 'string' ? app.collections.find(param) : undefined;
    const target = collection && action ? { collection: collection.name, action } : undefined;
    if (!apiKeyAllows(key.scopes, request.method, target)) {
      done(apiError('forbidden', 'The API key is not allowed to perform this request.'));
      return;
    }
    done();
  };
}
