import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { ApiError } from '../../core/errors.js';
import { pickResponseFields } from './fields-picker.js';

// The hook is callback-style (no promise per response); these run it inside a real Fastify to
// check the three outcomes: untouched payload, picked payload, and a bad expression as a 400.
async function server() {
  const fastify = Fastify();
  fastify.addHook('preSerialization', pickResponseFields);
  fastify.setErrorHandler((err, _request, reply) => {
    const status = err instanceof ApiError ? err.status : 500;
    void reply.code(status).send({ status, message: err instanceof Error ? err.message : String(err) });
  });
  fastify.get('/list', async () => ({ page: 1, perPage: 2, items: [{ id: 'a', title: 'x' }, { id: 'b', title: 'y' }] }));
  fastify.get('/one', async () => ({ id: 'a', title: 'x', body: 'z' }));
  await fastify.ready();
  return fastify;
}

test('without ?fields= the payload is untouched', async () => {
  const fastify = await server();
  const res = await fastify.inject('/one');
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { id: 'a', title: 'x', body: 'z' });
  await fastify.close();
});

test('?fields= picks a record, and list items one by one', async () => {
  const fastify = await server();
  assert.deepEqual((await fastify.inject('/one?fields=id,body')).json(), { id: 'a', body: 'z' });
  assert.deepEqual((await fastify.inject('/list?fields=id')).json(), { page: 1, perPage: 2, items: [{ id: 'a' }, { id: 'b' }] });
  await fastify.close();
});

test('a bad ?fields= expression is a 400 invalid_query_param', async () => {
  const fastify = await server();
  const res = await fastify.inject('/one?fields=a:nope(1)');
  assert.equal(res.statusCode, 400);
  assert.match(res.json().message, /Invalid fields parameter/);
  await fastify.close();
});
