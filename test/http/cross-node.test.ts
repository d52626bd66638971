import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryBus } from '../../src/realtime/memory/memory-bus.js';
import { MemoryPubSub } from '../../src/realtime/memory/memory-pubsub.js';
import { createTestPostgres, redisUrl, requireService, uniqueTestName } from '../../src/testing/services.js';
import { createTestApp } from './test-app.js';
import type { CreateTestAppOptions } from './test-app.js';

async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  assert.fail(`never happened: ${what}`);
}

async function twoNodes(node: () => CreateTestAppOptions['open'], extra: CreateTestAppOptions['config'] = {}) {
  const pg = await createTestPostgres('nodes');
  const a = await createTestApp('postgres', { databaseUrl: pg.url, open: node(), config: extra });
  const b = await createTestApp('postgres', { databaseUrl: pg.url, open: node(), config: extra });
  // B's setup reset the shared superuser's password (and tokenKey): A logs in with B's token.
  a.token = b.token;
  return {
    a,
    b,
    async cleanup() {
      await a.cleanup();
      await b.cleanup();
      await pg.drop();
    },
  };
}

async function scenario(nodes: Awaited<ReturnType<typeof twoNodes>>): Promise<void> {
  const { a, b } = nodes;
  const created = await a.call('POST', '/api/collections', { body: { name: 'orders', fields: [{ name: 'total', type: 'number' }] } });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  await eventually(() => b.app.collections.find('orders') !== undefined, 'node B sees the new collection');
  assert.equal((await b.call('GET', '/api/collections/orders')).status, 200);

  await b.call('PATCH', '/api/settings', { body: { meta: { appName: 'From B' } } });
  await eventually(() => a.app.settings.get().meta.appName === 'From B', 'node A sees the settings change');

  await a.call('DELETE', '/api/collections/orders');
  await eventually(() => b.app.collections.find('orders') === undefined, 'node B sees the deletion');
}

test('a schema or settings change on one node is seen by the other without restart (shared bus) [postgres]', async (t) => {
  if (!(await requireService(t, 'postgres'))) return;
  const bus = new MemoryBus();
  const nodes = await twoNodes(() => ({ pubsub: new MemoryPubSub({ bus, keyPrefix: 'galley' }) }));
  try {
    await scenario(nodes);
  } finally {
    await nodes.cleanup();
  }
});

test('the same across two nodes on PostgreSQL + Redis [postgres+redis]', async (t) => {
  if (!(await requireService(t, 'postgres')) || !(await requireService(t, 'redis'))) return;
  const nodes = await twoNodes(() => ({}), { redisUrl: redisUrl(), keyPrefix: uniqueTestName('inv') });
  try {
    await scenario(nodes);
  } finally {
    await nodes.cleanup();
  }
});
