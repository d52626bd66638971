import assert from 'node:assert/strict';
import { pino } from 'pino';
import { test } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from '../../src/app/app.js';
import { resolveConfig } from '../../src/app/config.js';
import { buildServer } from '../../src/http/server.js';
import { eachAppDialect } from './test-app.js';

const errorShape = (body: { status: unknown; message: unknown; data: unknown }, status: number): void => {
  assert.equal(body.status, status);
  assert.equal(typeof body.message, 'string');
  assert.deepEqual(Object.keys(body).sort(), ['data', 'message', 'status']);
  assert.equal(typeof body.data, 'object');
};

eachAppDialect('health answers PocketBase shape with secure headers and a request id', async ({ call }) => {
  const res = await call('GET', '/api/health', { token: null });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { code: 200, message: 'API is healthy.', data: {} });
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN');
  assert.ok(res.headers.get('referrer-policy'));
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  assert.ok(res.headers.get('x-request-id'));

  const kept = await call('GET', '/api/health', { token: null, headers: { 'x-request-id': 'lb-abc-123' } });
  assert.equal(kept.headers.get('x-request-id'), 'lb-abc-123');
  const replaced = await call('GET', '/api/health', { token: null, headers: { 'x-request-id': 'bad id <script>' } });
  assert.notEqual(replaced.headers.get('x-request-id'), 'bad id <script>');

  const cors = await call('OPTIONS', '/api/health', {
    token: null,
    headers: { origin: 'https://example.org', 'access-control-request-method': 'PATCH' },
  });
  assert.ok(cors.status === 204 || cors.status === 200);
  assert.equal(cors.headers.get('access-control-allow-origin'), '*');

  const su = await call('GET', '/api/health');
  assert.equal(su.body.data.canBackup, false);
  assert.equal(su.body.data.realIP, '127.0.0.1');
});

eachAppDialect('error shapes: bad JSON, unknown route, unknown collection, bad query params', async ({ call }) => {
  const badJson = await call('POST', '/api/collections', { raw: '{"name": ' });
  assert.equal(badJson.status, 400);
  errorShape(badJson.body, 400);
  assert.equal(badJson.body.message, 'The request body is not valid JSON.');

  const unknown = await call('GET', '/api/does-not-exist', { token: null });
  assert.equal(unknown.status, 404);
  errorShape(unknown.body, 404);

  const wrongMethod = await call('PUT', '/api/health', { token: null });
  assert.equal(wrongMethod.status, 404);
  errorShape(wrongMethod.body, 404);

  const missing = await call('GET', '/api/collections/nope');
  assert.equal(missing.status, 404);
  errorShape(missing.body, 404);

  const missingAuth = await call('POST', '/api/collections/nope/auth-with-password', { body: { identity: 'a', password: 'b' } });
  assert.equal(missingAuth.status, 404);
  assert.equal(missingAuth.body.message, 'Missing collection context.');

  const badPage = await call('GET', '/api/collections?page=abc');
  assert.equal(badPage.status, 400);
  errorShape(badPage.body, 400);

  const badType = await call('POST', '/api/collections', { raw: 'x', headers: { 'content-type': 'application/x-unknown' } });
  assert.equal(badType.status, 415);
  errorShape(badType.body, 415);
});

eachAppDialect('empty bodies with a JSON content type are accepted on any method (the SDK sends them)', async ({ call }) => {
  for (const method of ['GET', 'DELETE', 'POST', 'PATCH']) {
    // fetch cannot send a GET body at all; the content type alone is what the SDK adds there.
    const res = await call(method, method === 'GET' ? '/api/settings' : '/api/collections/nope', method === 'GET' ? {} : { raw: '' });
    assert.notEqual(res.status, 400, `${method}: ${JSON.stringify(res.body)}`);
  }
  const refresh = await call('POST', '/api/collections/_superusers/auth-refresh', { raw: '' });
  assert.equal(refresh.status, 200);
});

eachAppDialect(
  'a body over the limit is a 413',
  async ({ call }) => {
    const res = await call('POST', '/api/collections', { raw: JSON.stringify({ name: 'x'.repeat(5000) }) });
    assert.equal(res.status, 413);
    errorShape(res.body, 413);
  },
  { config: { bodyLimit: 1024 } },
);

test('an unexpected failure is a bare 500: no stack, no SQL, logged server-side with the request id', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'galley-500-'));
  const lines: string[] = [];
  const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
  const app = await App.open(resolveConfig({ dataDir: dir }, {}), { logger });
  try {
    const fastify = await buildServer(app);
    fastify.get('/api/boom', async () => {
      await app.db.all('SELECT * FROM "no_such_table_xyz"');
      return {};
    });
    const res = await fastify.inject({ method: 'GET', url: '/api/boom', headers: { 'x-request-id': 'req-500' } });
    assert.equal(res.statusCode, 500);
    const body = res.json();
    assert.deepEqual(body, { status: 500, message: 'Something went wrong while processing your request.', data: {} });
    assert.doesNotMatch(res.body, /no_such_table|SELECT|at .*\.ts/);
    assert.ok(lines.some((l) => l.includes('req-500') && l.includes('no_such_table_xyz')), 'cause logged with request id');
    await fastify.close();
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
});
