/**
 * Two nodes on one PostgreSQL database and one (in-memory) bus: a collection created or changed on
 * node A is in node B's GraphQL schema on the next request, without a restart; and with the
 * realtime broker, a write on A reaches a GraphQL subscription held by B.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { requireService } from '../../src/testing/services.js';
import { createTwoNodes, sharedBus } from '../http/two-nodes.js';
import { gql } from './graphql-fixture.js';

test('the GraphQL schema follows collection changes made on another node [postgres]', async (t) => {
  if (!(await requireService(t, 'postgres'))) return;
  const nodes = await createTwoNodes('graphql-nodes', sharedBus());
  const { a, b } = nodes;
  try {
    const before = await gql(b, '{ ordersList { totalItems } }');
    assert.equal(before.body.errors[0].extensions.code, 'graphql_validation_failed');

    const created = await a.call('POST', '/api/collections', {
      body: { name: 'orders', fields: [{ name: 'total', type: 'number' }], listRule: '', viewRule: '', createRule: '' },
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const after = await gql(b, '{ ordersList { totalItems } }', { token: null });
    assert.equal(after.status, 200, JSON.stringify(after.body));
    assert.equal(after.body.data.ordersList.totalItems, 0);

    await a.call('PATCH', '/api/collections/orders', { body: { fields: [{ name: 'total', type: 'number' }, { name: 'note', type: 'text' }] } });
    const changed = await gql(b, '{ ordersList { items { note } } }', { token: null });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));

    const events: any[] = [];
    const client = createClient({ url: `${b.url.replace('http', 'ws')}/api/graphql/ws`, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const stop = client.subscribe({ query: 'subscription { ordersEvents { action record { total note } } }' }, {
        next: (r) => events.push(r.data), error: () => {}, complete: () => {},
      });
      const broker = b.app.realtime;
      const registered = Date.now() + 5000;
      while (broker.stats().subscriptions < 1 && Date.now() < registered) await new Promise((r) => setTimeout(r, 10));
      const write = await gql(a, 'mutation { ordersCreate(data: { total: 42, note: "from A" }) { id } }', { token: null });
      assert.equal(write.status, 200, JSON.stringify(write.body));
      const deadline = Date.now() + 5000;
      while (events.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      stop();
      assert.deepEqual(events, [{ ordersEvents: { action: 'create', record: { total: 42, note: 'from A' } } }]);
    } finally {
      await client.dispose();
    }
  } finally {
    await nodes.cleanup();
  }
});
