/**
 * `GET /api/openapi.json`: the OpenAPI 3.1 document of the live collections, serialised once per
 * schema version (`app.collections.version` moves on every change, on every node, through the
 * invalidation bus). The document lists every collection, its fields and its API rules, so outside
 * development it is for superusers only, like the collections API it mirrors.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { z } from 'zod';
import { customRoutePaths } from '../../routes/custom-routes.js';
import { requireSuperuser } from '../middleware/require-superuser.js';

export function openapiSpecRoute(app: App): RouteOptions {
  let cached: { version: number; routes: number; json: string } | undefined;
  return {
    method: 'GET',
    url: '/api/openapi.json',
    ...(app.config.dev ? {} : { preHandler: requireSuperuser }),
    handler: async function openapiSpec(_request, reply) {
      const version = app.collections.version;
      if (cached?.version !== version || cached.routes !== app.routes.version) {
        // The generator (src/openapi/) loads on the first request for the document, not at start.
        const { buildOpenApi } = await import('../../openapi/build-openapi.js');
        const doc = buildOpenApi(app.collections.all(), { version: String(version) });
        Object.assign(doc.paths, customRoutePaths(app.routes.list(), (s) => z.toJSONSchema(s, { unrepresentable: 'any', io: 'input' })));
        cached = { version, routes: app.routes.version, json: JSON.stringify(doc) };
      }
      return reply.type('application/json; charset=utf-8').send(cached.json);
    },
  };
}
