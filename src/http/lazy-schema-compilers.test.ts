import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fastify as createFastify } from 'fastify';
import type { FastifyInstance } from 'fastify';
import { lazySchemaController, treatCompilersAsFastifys } from './lazy-schema-compilers.js';

function withSchemaRoutes(app: FastifyInstance): FastifyInstance {
  app.post(
    '/things/:id',
    {
      schema: {
        // Mixed case on purpose: Fastify lower-cases header schemas for its own Ajv compiler only.
        headers: { type: 'object', required: ['X-Thing-Token'], properties: { 'X-Thing-Token': { type: 'string', minLength: 3 } } },
        params: { type: 'object', properties: { id: { type: 'integer' } } },
        body: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, n: { type: 'integer', default: 1 } } },
        response: { 200: { type: 'object', properties: { id: { type: 'integer' }, name: { type: 'string' }, n: { type: 'integer' } } } },
      },
    },
    async (request) => ({ ...(request.body as object), id: (request.params as { id: number }).id, secret: 'never serialised' }),
  );
  return app;
}

test('routes with JSON schemas validate and serialise as with Fastify\'s default compilers', async () => {
  const stock = withSchemaRoutes(createFastify());
  const lazy = createFastify({ schemaController: lazySchemaController });
  treatCompilersAsFastifys(lazy);
  withSchemaRoutes(lazy);
  const cases = [
    { headers: { 'x-thing-token': 'abcd' }, url: '/things/7', payload: { name: 'a' } },
    { headers: { 'x-thing-token': 'ab' }, url: '/things/7', payload: { name: 'a' } },
    { headers: {}, url: '/things/7', payload: { name: 'a' } },
    { headers: { 'x-thing-token': 'abcd' }, url: '/things/x', payload: { name: 'a' } },
    { headers: { 'x-thing-token': 'abcd' }, url: '/things/7', payload: { n: 2 } },
  ];
  try {
    for (const c of cases) {
      const [a, b] = await Promise.all([stock, lazy].map((app) => app.inject({ method: 'POST', ...c })));
      assert.equal(b?.statusCode, a?.statusCode, JSON.stringify(c));
      assert.equal(b?.body, a?.body, JSON.stringify(c));
    }
  } finally {
    await Promise.all([stock.close(), lazy.close()]);
  }
});
