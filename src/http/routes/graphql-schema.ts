/**
 * `GET /api/graphql/schema.graphql`: the SDL of the generated schema. It names every collection
 * and field a requester could use, so it follows the introspection policy: superusers get the
 * full schema (hidden fields and superuser-only operations included); others get the public one
 * only when introspection is on for them (`--dev` or settings `graphql.introspection`), else the
 * superuser guard's 401/403, like /api/openapi.json.
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { isSuperuser } from '../../auth/authenticate.js';
import { requireSuperuser } from '../middleware/require-superuser.js';
import { graphqlEngine, graphqlOptions } from './graphql-engine.js';

export function graphqlSchemaRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/graphql/schema.graphql',
    handler: async function graphqlSchema(request, reply) {
      const superuser = isSuperuser(request.auth);
      if (!superuser && !graphqlOptions(app).introspection) await requireSuperuser(request);
      return reply.type('text/plain; charset=utf-8').send((await graphqlEngine(app)).sdl(superuser));
    },
  };
}
