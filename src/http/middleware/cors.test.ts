import assert from 'node:assert/strict';
import { test } from 'node:test';
import fastifyCors from '@fastify/cors';
import { fastify as createFastify } from 'fastify';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { registerCors } from './cors.js';

// The step replaced `@fastify/cors` (registered with these options): it must answer the same.
async function withPlugin(origins: readonly string[]): Promise<FastifyInstance> {
  const fastify = createFastify();
  await fastify.register(fastifyCors, {
    origin: origins.includes('*') ? '*' : [...origins],
    methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'],
    maxAge: 86400,
  });
  routes(fastify);
  return fastify;
}

async function withStep(origins: readonly string[]): Promise<FastifyInstance> {
  const fastify = createFastify();
  const cors = registerCors(fastify, origins);
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!cors(request, reply)) done();
  });
  routes(fastify);
  return fastify;
}

function routes(fastify: FastifyInstance): void {
  fastify.get('/api/health', async () => ({ ok: true }));
  fastify.post('/api/things', async (_request, reply) => reply.code(201).send({ made: true }));
  fastify.get('/api/varied', async (_request, reply) => reply.header('vary', 'Accept-Encoding').send({ varied: true }));
}

const ORIGIN_SETS: readonly (readonly string[])[] = [['*'], ['https://a.example', 'https://b.example'], ['https://a.example', '*'], []];

function requests(): InjectOptions[] {
  const out: InjectOptions[] = [];
  const originHeaders = [{}, { origin: 'https://a.example' }, { origin: 'https://b.example' }, { origin: 'https://evil.example' }];
  const preflightHeaders = [
    {},
    { 'access-control-request-method': 'PATCH' },
    { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
    { 'access-control-request-headers': 'x-custom' },
  ];
  for (const url of ['/api/health', '/api/things', '/api/varied', '/api/nowhere']) {
    for (const origin of originHeaders) {
      for (const method of ['GET', 'POST', 'HEAD'] as const) out.push({ method, url, headers: origin });
      for (const pre of preflightHeaders) out.push({ method: 'OPTIONS', url, headers: { ...origin, ...pre } });
    }
  }
  return out;
}

test('the CORS step answers exactly as @fastify/cors did with the same options', async () => {
  for (const origins of ORIGIN_SETS) {
    const [plugin, step] = await Promise.all([withPlugin(origins), withStep(origins)]);
    try {
      for (const request of requests()) {
        const [a, b] = await Promise.all([plugin.inject(request), step.inject(request)]);
        const label = `${JSON.stringify(origins)} ${request.method} ${request.url} ${JSON.stringify(request.headers)}`;
        assert.equal(b.statusCode, a.statusCode, label);
        const headers = (h: Record<string, unknown>) => Object.entries(h).filter(([k]) => k !== 'date');
        assert.deepEqual(headers(b.headers), headers(a.headers), label);
        assert.equal(b.body, a.body, label);
      }
    } finally {
      await Promise.all([plugin.close(), step.close()]);
    }
  }
});
