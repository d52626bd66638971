/**
 * The realtime hooks on both transports, over real sockets on SQLite and PostgreSQL. Before these
 * fired on the WebSocket, an app that refused connections or filtered subscriptions in them was
 * bypassed by connecting to `/api/realtime/ws` instead of `/api/realtime`: this pins that both
 * transports fire the same hooks with the same semantics.
 */
import assert from 'node:assert/strict';
import { apiError } from '../../src/core/errors.js';
import { eachAppDialect } from '../http/test-app.js';
import type { TestApp } from '../http/test-app.js';
import { Inbox, openRealtimeSocket, sdk, seedPosts, wsEvents } from './realtime-fixture.js';

/** `orders` (anyone may list and write) beside seedPosts' `posts`, and alice verified. */
async function seed(t: TestApp): Promise<{ alice: { id: string; token: string }; bob: { id: string; token: string } }> {
  const users = await seedPosts(t, '');
  const orders = await t.call('POST', '/api/collections', { body: {
    name: 'orders', fields: [{ name: 'title', type: 'text' }], listRule: '', viewRule: '', createRule: '',
  } });
  assert.equal(orders.status, 200, JSON.stringify(orders.body));
  assert.equal((await t.call('PATCH', `/api/collections/users/records/${users.alice.id}`, { body: { verified: true } })).status, 200);
  return users;
}

/**
 * The app's policy, as an app file would bind it: no connection that says `x-deny`, only verified
 * users subscribe to `orders`, and a record topic `posts/refused` is an error. Each call is
 * recorded as `<hook>:<transport>:<auth id or guest>`.
 */
function bindPolicy(t: TestApp): string[] {
  const fired: string[] = [];
  const who = (auth: { record: { id: string } } | null): string => auth?.record.id ?? 'guest';
  t.app.hooks.onRealtimeConnectRequest.bindFunc((e) => {
    fired.push(`connect:${e.transport}:${who(e.request.auth)}`);
    if (e.request.headers['x-deny'] === '1') throw apiError('forbidden', 'No realtime for you.');
    return e.next();
  });
  t.app.hooks.onRealtimeSubscribeRequest.bindFunc((e) => {
    fired.push(`subscribe:${e.transport}:${who(e.request.auth)}`);
    if (e.subscriptions.includes('posts/refused')) throw apiError('forbidden', 'Not that one.');
    if (e.request.auth?.record.verified !== true) e.subscriptions = e.subscriptions.filter((s) => !s.startsWith('orders'));
    return e.next();
  });
  return fired;
}

eachAppDialect('realtime hooks on the WebSocket: a throwing connect hook refuses the socket before anything is subscribed', async (t) => {
  const { alice } = await seed(t);
  const fired = bindPolicy(t);
  const refused = await openRealtimeSocket(t.url, { headers: { 'x-deny': '1' }, query: `token=${alice.token}` });
  await refused.inbox.waitForCount(1);
  assert.deepEqual(refused.inbox.items, [{ type: 'error', status: 403, message: 'No realtime for you.', data: {} }]);
  assert.equal(await refused.closed, 1008);
  // The hook saw the upgrade's token; no client was registered, so nothing can be subscribed.
  assert.deepEqual(fired, [`connect:websocket:${alice.id}`]);
  assert.equal(t.app.realtime.clients.size, 0);
  assert.equal(t.app.realtime.stats().subscriptions, 0);

  // A handler that neither refuses nor opens: a normal close and no client, as SSE's 204.
  const silent = t.app.hooks.onRealtimeConnectRequest.bindFunc(() => undefined);
  const dropped = await openRealtimeSocket(t.url);
  assert.equal(await dropped.closed, 1000);
  assert.deepEqual(dropped.inbox.items, []);
  assert.equal(t.app.realtime.clients.size, 0);
  t.app.hooks.onRealtimeConnectRequest.unbind(silent);

  const ok = await openRealtimeSocket(t.url);
  await ok.inbox.waitForCount(1);
  assert.equal(ok.inbox.items[0]?.type, 'connected');
  ok.ws.close();
  await ok.closed;
});

eachAppDialect('realtime hooks on the WebSocket: subscribe filtered and refused by the hook; the events each transport fires', async (t) => {
  const { alice } = await seed(t);
  const fired = bindPolicy(t);

  // A guest: its `orders` subscription is removed by the hook; the message is still answered.
  const guest = await openRealtimeSocket(t.url);
  await guest.inbox.waitForCount(1);
  const clientId = String(guest.inbox.items[0]?.clientId);
  guest.send({ type: 'subscribe', id: 'p', topic: 'posts/*' });
  assert.deepEqual(await guest.reply('p'), { type: 'subscribed', id: 'p', topic: 'posts/*' });
  guest.send({ type: 'subscribe', id: 'o', topic: 'orders/*' });
  assert.deepEqual(await guest.reply('o'), { type: 'subscribed', id: 'o', topic: 'orders/*' });
  // A throwing handler: the protocol's error for that message, the subscriptions as they were.
  guest.send({ type: 'subscribe', id: 'r', topic: 'posts/refused' });
  assert.deepEqual(await guest.reply('r'), { type: 'error', id: 'r', status: 403, message: 'Not that one.', data: {} });
  assert.deepEqual(t.app.realtime.clients.get(clientId)?.subscriptions(), ['posts/*']);
  assert.deepEqual(fired, ['connect:websocket:guest', 'subscribe:websocket:guest', 'subscribe:websocket:guest', 'subscribe:websocket:guest']);

  // Alice, verified, authenticates with a message after the upgrade: the hook sees that auth.
  fired.length = 0;
  const verified = await openRealtimeSocket(t.url);
  verified.send({ type: 'auth', id: 'a', token: alice.token });
  await verified.reply('a');
  verified.send({ type: 'subscribe', id: 'o', topic: 'orders/*', options: { fields: 'id,title' } });
  await verified.reply('o');
  assert.deepEqual(fired, ['connect:websocket:guest', `subscribe:websocket:${alice.id}`]);

  // The order is delivered to alice (with her message's options) and not to the guest; the post
  // created after it is the guest's fence.
  const order = await t.call('POST', '/api/collections/orders/records', { body: { title: 'o1' } });
  const post = await t.call('POST', '/api/collections/posts/records', { body: { title: 'p1' } });
  await verified.inbox.waitFor((items) => items.some((m) => m.type === 'event'));
  assert.deepEqual(wsEvents(verified.inbox).map((m) => [m.topic, m.data.record]), [['orders/*', { id: order.body.id, title: 'o1' }]]);
  await guest.inbox.waitFor((items) => items.some((m) => m.type === 'event'));
  assert.deepEqual(wsEvents(guest.inbox).map((m) => [m.topic, m.data.record.id]), [['posts/*', post.body.id]]);

  // SSE is unchanged: the same handlers, `transport: 'sse'`, the guest's `orders` filtered out.
  fired.length = 0;
  const pb = sdk(t.url);
  const orders = new Inbox();
  const posts = new Inbox();
  try {
    await pb.collection('orders').subscribe('*', orders.push);
    await pb.collection('posts').subscribe('*', posts.push);
    assert.deepEqual(fired, ['connect:sse:guest', 'subscribe:sse:guest', 'subscribe:sse:guest']);
    await t.call('POST', '/api/collections/orders/records', { body: { title: 'o2' } });
    const fence = await t.call('POST', '/api/collections/posts/records', { body: { title: 'p2' } });
    await posts.waitFor((items) => items.some((i) => i.record.id === fence.body.id));
    assert.deepEqual(orders.items, []);
    const denied = await t.call('GET', '/api/realtime', { headers: { 'x-deny': '1' }, token: null });
    assert.deepEqual([denied.status, denied.body], [403, { status: 403, message: 'No realtime for you.', data: {} }]);
  } finally {
    pb.realtime.unsubscribe();
    guest.ws.close();
    verified.ws.close();
  }
});

eachAppDialect('realtime hooks on the WebSocket: topics a handler adds are subscribed all or none', async (t) => {
  await seed(t);
  const add = t.app.hooks.onRealtimeSubscribeRequest.bindFunc((e) => {
    e.subscriptions.push(e.subscriptions[0] === 'posts/*' ? 'orders/*' : 'bad/topic/here');
    return e.next();
  });
  const c = await openRealtimeSocket(t.url);
  await c.inbox.waitForCount(1);
  const client = t.app.realtime.clients.get(String(c.inbox.items[0]?.clientId));
  c.send({ type: 'subscribe', id: 'p', topic: 'posts/*' });
  await c.reply('p');
  assert.deepEqual(client?.subscriptions(), ['posts/*', 'orders/*']);
  // A malformed topic from the handler fails the message before the valid one is added.
  c.send({ type: 'subscribe', id: 'x', topic: 'posts/abc' });
  assert.equal((await c.reply('x')).status, 400);
  assert.deepEqual(client?.subscriptions(), ['posts/*', 'orders/*']);
  t.app.hooks.onRealtimeSubscribeRequest.unbind(add);
  c.ws.close();
});

eachAppDialect('onRealtimeMessageSend on both transports: per-client changes and skips, order kept, then the shared bytes again', async (t) => {
  const { alice } = await seed(t);
  const guestWs = await openRealtimeSocket(t.url);
  const aliceWs = await openRealtimeSocket(t.url, { query: `token=${alice.token}` });
  for (const c of [guestWs, aliceWs]) {
    c.send({ type: 'subscribe', id: 'p', topic: 'posts/*' });
    c.send({ type: 'subscribe', id: 'c', topic: '@chat' });
    await c.reply('c');
  }
  const pb = sdk(t.url);
  const ssePosts = new Inbox();
  const sseChat = new Inbox<unknown>();
  const seen: string[] = [];
  const send = t.app.hooks.onRealtimeMessageSend.bindFunc(async (e) => {
    const data = e.message.data as { record?: { title?: string }; seenBy?: string };
    const who = e.client.auth?.record.id ?? 'guest';
    seen.push(`${who}:${e.message.name}`);
    // Async handlers do not reorder a connection's events: `slow` still arrives before `fast`.
    if (data.record?.title === 'slow') await new Promise((r) => setTimeout(r, 50));
    if (data.record?.title === 'for members' && who === 'guest') return; // skipped for guests only
    if (data.record?.title === 'boom' && who === alice.id) throw new Error('handler failed'); // logged; alice misses it
    if (data.record !== undefined) Object.assign(data.record, { seenBy: who });
    else data.seenBy = who;
    await e.next();
  });
  try {
    await pb.collection('posts').subscribe('*', ssePosts.push);
    await pb.realtime.subscribe('@chat', sseChat.push);
    for (const title of ['slow', 'fast', 'for members', 'boom']) {
      assert.equal((await t.call('POST', '/api/collections/posts/records', { body: { title } })).status, 200);
    }
    await t.app.realtime.publishCustom('@chat', { text: 'hi' });
    const wsTitles = (c: typeof guestWs): unknown[] => wsEvents(c.inbox).map((m) => m.data.record?.title ?? m.data.text);
    await guestWs.inbox.waitFor(() => wsTitles(guestWs).includes('hi'));
    await aliceWs.inbox.waitFor(() => wsTitles(aliceWs).includes('hi'));
    await sseChat.waitForCount(1);
    assert.deepEqual(wsEvents(guestWs.inbox).map((m) => [m.topic, m.data.record?.title ?? m.data.text, m.data.record?.seenBy ?? m.data.seenBy]), [
      ['posts/*', 'slow', 'guest'], ['posts/*', 'fast', 'guest'], ['posts/*', 'boom', 'guest'], ['@chat', 'hi', 'guest'],
    ]);
    assert.deepEqual(wsEvents(aliceWs.inbox).map((m) => [m.data.record?.title ?? m.data.text, m.data.record?.seenBy ?? m.data.seenBy]), [
      ['slow', alice.id], ['fast', alice.id], ['for members', alice.id], ['hi', alice.id],
    ]);
    await ssePosts.waitFor((items) => items.some((i) => i.record.title === 'boom'));
    assert.deepEqual(ssePosts.items.map((i) => [i.record.title, i.record.seenBy]), [['slow', 'guest'], ['fast', 'guest'], ['boom', 'guest']]);
    assert.deepEqual(sseChat.items, [{ text: 'hi', seenBy: 'guest' }]);
    assert.equal(seen.filter((s) => s.endsWith(':posts/*')).length, 12, 'once per client and event');

    // Unbound: the group's shared payload again, unchanged.
    t.app.hooks.onRealtimeMessageSend.unbind(send);
    await t.call('POST', '/api/collections/posts/records', { body: { title: 'plain' } });
    await guestWs.inbox.waitFor(() => wsTitles(guestWs).includes('plain'));
    await ssePosts.waitFor((items) => items.some((i) => i.record.title === 'plain'));
    assert.equal(wsEvents(guestWs.inbox).at(-1)?.data.record.seenBy, undefined);
    assert.equal(ssePosts.items.at(-1)?.record.seenBy, undefined);
  } finally {
    t.app.hooks.onRealtimeMessageSend.unbind(send);
    pb.realtime.unsubscribe();
    guestWs.ws.close();
    aliceWs.ws.close();
  }
});
