/**
 * PocketBase's `rateLimits` settings (off by default): labels, audiences and 429 + Retry-After, on
 * SQLite and PostgreSQL with in-memory counters, and across two nodes sharing Redis (`--redis`),
 * where the limit must hold whichever node a request reaches.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redisUrl, requireService, uniqueTestName } from '../../src/testing/services.js';
import { createTestApp, eachAppDialect } from '../http/test-app.js';
import type { TestApp } from '../http/test-app.js';

async function setLimits(t: TestApp, rules: unknown[], enabled = true): Promise<void> {
  const res = await t.call('PATCH', '/api/settings', { body: { rateLimits: { enabled, rules } } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

eachAppDialect('rate limits: off by default, per label and audience, 429 with Retry-After, superusers exempt', async (t) => {
  const settings = await t.call('GET', '/api/settings');
  assert.equal(settings.body.rateLimits.enabled, false);
  for (let i = 0; i < 20; i++) assert.equal((await t.call('GET', '/api/collections/users/auth-methods', { token: null })).status, 200);

  await setLimits(t, [
    { label: '*:auth', maxRequests: 2, duration: 60, audience: '' },
    { label: '/api/collections/users/records', maxRequests: 3, duration: 60, audience: '@guest' },
    { label: '/api/', maxRequests: 1000, duration: 60, audience: '' },
  ]);
  const login = () =>
    t.call('POST', '/api/collections/users/auth-with-password', { body: { identity: 'x@example.com', password: 'nope nope' }, token: null });
  assert.equal((await login()).status, 400);
  assert.equal((await login()).status, 400);
  const limited = await login();
  assert.equal(limited.status, 429);
  assert.deepEqual(limited.body, { status: 429, message: 'Too Many Requests.', data: {} });
  const retry = Number(limited.headers.get('retry-after'));
  assert.ok(retry >= 1 && retry <= 60, String(retry));

  // @guest: guests are limited on the records list, an authenticated user is not.
  const user = await t.call('POST', '/api/collections/users/records', {
    body: { email: 'kim@example.com', password: 'kim password', passwordConfirm: 'kim password' },
    token: null,
  });
  assert.equal(user.status, 200);
  const list = (token: string | null) => t.call('GET', '/api/collections/users/records', { token });
  const guests = [];
  for (let i = 0; i < 4; i++) guests.push((await list(null)).status);
  assert.deepEqual(guests, [200, 200, 200, 429]);
  const superuserLogin = await t.call('POST', '/api/collections/_superusers/auth-with-password', {
    body: { identity: 'root@example.com', password: 'correct horse battery' },
    token: null,
  });
  assert.equal(superuserLogin.status, 200, 'as PocketBase, each collection route counts apart even under a shared rule');
  // Superusers are never limited.
  for (let i = 0; i < 5; i++) assert.equal((await list(t.token)).status, 200);

  await setLimits(t, [{ label: '*:auth', maxRequests: 2, duration: 60, audience: '' }], false);
  assert.equal((await login()).status, 400, 'disabled again: no limit');
});

test('rate limits hold across two nodes sharing Redis', async (ctx) => {
  if (!(await requireService(ctx, 'redis'))) return;
  const keyPrefix = uniqueTestName('rl');
  const config = { redisUrl: redisUrl(), keyPrefix };
  const a = await createTestApp('sqlite', { config });
  const b = await createTestApp('sqlite', { config });
  try {
    for (const node of [a, b]) await setLimits(node, [{ label: '/api/health', maxRequests: 3, duration: 60, audience: '' }]);
    const statuses = [];
    for (const node of [a, b, a, b]) statuses.push((await node.call('GET', '/api/health', { token: null })).status);
    assert.deepEqual(statuses, [200, 200, 200, 429], 'the fourth request is over the limit, whichever node it reaches');
  } finally {
    await a.cleanup();
    await b.cleanup();
  }
});

test('brute-force counts are shared across nodes on Redis', async (ctx) => {
  if (!(await requireService(ctx, 'redis'))) return;
  const config = { redisUrl: redisUrl(), keyPrefix: uniqueTestName('bf') };
  // A long first block, so the cut-off is still there when the test looks.
  const options = { config, open: { bruteForce: { baseMs: 60_000, maxMs: 60_000 } } };
  const a = await createTestApp('sqlite', options);
  const b = await createTestApp('sqlite', options);
  try {
    const login = (node: TestApp) =>
      node.call('POST', '/api/collections/users/auth-with-password', { body: { identity: 'nobody@example.com', password: 'wrong guess' }, token: null });
    const statuses = [];
    for (const node of [a, b, a, b, a, b, a, b]) statuses.push((await login(node)).status);
    // 5 free failures, the 6th blocks the identity: from then on both nodes refuse it.
    assert.deepEqual(statuses, [400, 400, 400, 400, 400, 400, 429, 429], 'the failures are counted over both nodes');
  } finally {
    await a.cleanup();
    await b.cleanup();
  }
});
