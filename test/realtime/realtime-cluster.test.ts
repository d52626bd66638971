/**
 * Two App nodes on one PostgreSQL database, sharing a PubSub (an in-process bus, then Redis): the
 * SSE stream and the WebSocket live on node A, while the SDK's `POST /api/realtime` and every write
 * go to node B (what a round-robin load balancer does without sticky sessions).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { WebSocket } from 'ws';
import type { AppOpenOptions } from '../../src/app/app.js';
import { createPubSub } from '../../src/realtime/create-pubsub.js';
import { redisUrl, requireService, uniqueTestName } from '../../src/testing/services.js';
import { createTwoNodes, sharedBus } from '../http/two-nodes.js';
import { Inbox, sdk, seedPosts } from './realtime-fixture.js';

const LIMITS = { forwardTimeoutMs: 500 };

async function scenario(t: TestContext, node: () => AppOpenOptions | Promise<AppOpenOptions>): Promise<void> {
  const nodes = await createTwoNodes('realtime', node);
  t.after(() => nodes.cleanup());
  const { a, b } = nodes;
  const { alice } = await seedPosts(b);
  while (a.app.collections.find('posts') === undefined) await new Promise((r) => setTimeout(r, 10));

  // SDK: the EventSource connects to A; every HTTP request (the subscription POST too) goes to B.
  const viaB = sdk(a.url, alice.token);
  viaB.beforeSend = (url, options) => ({ url: url.replace(a.url, b.url), options });
  const sse = new Inbox();
  await viaB.collection('posts').subscribe('*', sse.push);
  assert.equal(a.app.realtime.clients.size, 1);
  assert.equal(b.app.realtime.clients.size, 0);

  // WebSocket on A as well.
  const ws = new WebSocket(`${a.url.replace(/^http/, 'ws')}/api/realtime/ws`);
  const wsInbox = new Inbox<Record<string, any>>();
  ws.on('message', (d) => wsInbox.push(JSON.parse(String(d))));
  await new Promise((resolve) => ws.once('open', resolve));
  ws.send(JSON.stringify({ type: 'subscribe', id: 's', topic: 'posts/*' }));
  await wsInbox.waitFor((m) => m.some((x) => x.id === 's'));

  // Writes on B reach both transports on A, rule-checked (the guest socket misses alice's post).
  const writer = sdk(b.url, b.token);
  const hidden = await writer.collection('posts').create({ title: 'alice only', owner: alice.id });
  const shown = await writer.collection('posts').create({ title: 'for all', published: true });
  await sse.waitForCount(2);
  assert.deepEqual(sse.items.map((e) => e.record.id), [hidden.id, shown.id]);
  await wsInbox.waitFor((m) => m.some((x) => x.type === 'event'));
  assert.deepEqual(wsInbox.items.filter((x) => x.type === 'event').map((x) => x.data.record.id), [shown.id]);

  // Auth binding is checked by the node holding the stream: another identity is refused there.
  const clientId = viaB.realtime.clientId;
  const denied = await b.call('POST', '/api/realtime', { body: { clientId, subscriptions: [] }, token: b.token });
  assert.equal(denied.status, 403);

  // A message for one client (the OAuth2 redirect's path) reaches it from the other node.
  const oauth = new Inbox<Record<string, unknown>>();
  await viaB.realtime.subscribe('@oauth2', (e) => oauth.push(e));
  assert.equal(await b.app.realtime.clients.sendToClient(clientId, '@oauth2', { state: clientId, code: 'abc' }), true);
  await oauth.waitForCount(1);
  assert.deepEqual(oauth.items[0], { state: clientId, code: 'abc' });
  assert.equal(await b.app.realtime.clients.sendToClient('nobody', '@oauth2', {}), false);
  const unknown = await b.call('POST', '/api/realtime', { body: { clientId: 'nobody', subscriptions: [] }, token: null });
  assert.equal(unknown.status, 404);

  await viaB.realtime.unsubscribe();
  ws.close();
}

test('realtime across two nodes on a shared bus: stream on A, subscriptions and writes on B [postgres]', async (t) => {
  if (!(await requireService(t, 'postgres'))) return;
  await scenario(t, sharedBus({ realtime: LIMITS }));
});

test('realtime across two nodes on PostgreSQL + Redis [postgres+redis]', async (t) => {
  if (!(await requireService(t, 'postgres')) || !(await requireService(t, 'redis'))) return;
  const keyPrefix = uniqueTestName('rt');
  await scenario(t, async () => ({ pubsub: await createPubSub({ redisUrl: redisUrl(), keyPrefix }), realtime: LIMITS }));
});
