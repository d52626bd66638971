/**
 * API keys (Galley), superusers only:
 *
 * | route | body | answer |
 * |---|---|---|
 * | `POST /api/apikeys` | `{name, collection, recordId, scopes?, duration?}` | the key's info + `key` (shown once) |
 * | `GET /api/apikeys` | – | `{items: [...]}` (never the key) |
 * | `DELETE /api/apikeys/{id}` | – | 204 (revoked; listed as revoked) |
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { listApiKeys, mintApiKey, revokeApiKey } from '../../auth/api-keys.js';
import { requireSuperuser } from '../middleware/require-superuser.js';
import { bodyOf } from './auth-request-info.js';

export function authApiKeysCreateRoute(app: App): RouteOptions {
  return {
    method: 'POST',
    url: '/api/apikeys',
    preHandler: requireSuperuser,
    handler: async function apiKeysCreateHandler(request) {
      const body = bodyOf(request);
      return mintApiKey(
        { db: app.db, collections: app.collections },
        { name: body.name, collection: body.collection, recordId: body.recordId, scopes: body.scopes, duration: body.duration },
      );
    },
  };
}

export function authApiKeysListRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/apikeys',
    preHandler: requireSuperuser,
    handler: async function apiKeysListHandler() {
      return { items: await listApiKeys(app.db) };
    },
  };
}

export function authApiKeysRevokeRoute(app: App): RouteOptions {
  return {
    method: 'DELETE',
    url: '/api/apikeys/:id',
    preHandler: requireSuperuser,
    handler: async function apiKeysRevokeHandler(request, reply) {
      await revokeApiKey(app.db, (request.params as { id: string }).id);
      return reply.code(204).send();
    },
  };
}
