/**
 * The WebSocket protocol at /api/realtime/ws over a real socket, on SQLite and PostgreSQL:
 * connected, auth, subscribe (topic options and an options object), events with the same rule
 * checks as SSE, unsubscribe, ping/pong and errors.
 */
import assert from 'node:assert/strict';
import { eachAppDialect } from '../http/test-app.js';
import { seedPosts, wsEvents as events, openRealtimeSocket as open } from './realtime-fixture.js';

eachAppDialect('realtime WebSocket protocol over a real socket', async (t) => {
  const { alice } = await seedPosts(t);
  const c = await open(t.url);
  await c.inbox.waitForCount(1);
  assert.equal(c.inbox.items[0]?.type, 'connected');
  assert.match(String(c.inbox.items[0]?.clientId), /^\w{40}$/);

  c.send({ type: 'ping', id: 'p1' });
  assert.deepEqual(await c.reply('p1'), { type: 'pong', id: 'p1' });
  c.send('not json');
  await c.inbox.waitFor((items) => items.some((m) => m.type === 'error' && m.status === 400 && m.id === undefined));
  c.send({ type: 'nope', id: 'x' });
  assert.equal((await c.reply('x')).status, 400);
  c.send({ type: 'auth', id: 'bad', token: 'not-a-token' });
  assert.equal((await c.reply('bad')).status, 401);
  c.send({ type: 'subscribe', id: 's0', topic: 'posts/a/b' });
  assert.equal((await c.reply('s0')).status, 400);

  // Alice subscribes to everything she may list, and to one filtered topic with picked fields.
  c.send({ type: 'auth', id: 'a1', token: alice.token });
  assert.deepEqual((await c.reply('a1')).auth, { id: alice.id, collectionId: '_pb_users_auth_', collectionName: 'users' });
  c.send({ type: 'subscribe', id: 's1', topic: 'posts/*' });
  assert.equal((await c.reply('s1')).type, 'subscribed');
  const options = encodeURIComponent(JSON.stringify({ query: { filter: 'title ~ "big"', fields: 'id,title' } }));
  const filteredTopic = `posts/*?options=${options}`;
  c.send({ type: 'subscribe', id: 's2', topic: filteredTopic });
  await c.reply('s2');
  c.send({ type: 'subscribe', id: 's3', topic: 'posts', options: { filter: 'published = false', fields: 'title' } });
  await c.reply('s3');

  const mine = await t.call('POST', '/api/collections/posts/records', { body: { title: 'big secret', published: false, owner: alice.id } });
  const other = await t.call('POST', '/api/collections/posts/records', { body: { title: 'big hidden', published: false } });
  const open1 = await t.call('POST', '/api/collections/posts/records', { body: { title: 'small open', published: true } });
  await c.inbox.waitFor((items) => items.some((m) => m.type === 'event' && m.topic === 'posts/*' && m.data.record.id === open1.body.id));
  const got = events(c.inbox).map((m) => [m.topic, m.data.action, m.data.record.title, Object.keys(m.data.record).length > 2 ? 'full' : Object.keys(m.data.record).join(',')]);
  assert.deepEqual(got, [
    ['posts/*', 'create', 'big secret', 'full'],
    [filteredTopic, 'create', 'big secret', 'id,title'],
    ['posts', 'create', 'big secret', 'title'],
    ['posts/*', 'create', 'small open', 'full'],
  ]);
  assert.ok(!events(c.inbox).some((m) => m.data.record.id === other.body.id), 'a post the rule hides is never sent');

  // Unsubscribe one topic; a later change on the still-subscribed record topic is the fence.
  c.send({ type: 'subscribe', id: 's4', topic: `posts/${mine.body.id}` });
  await c.reply('s4');
  c.send({ type: 'unsubscribe', id: 'u1', topic: 'posts/*' });
  assert.deepEqual(await c.reply('u1'), { type: 'unsubscribed', id: 'u1', topic: 'posts/*' });
  const count = events(c.inbox).length;
  await t.call('POST', '/api/collections/posts/records', { body: { title: 'after', published: true } });
  await t.call('PATCH', `/api/collections/posts/records/${mine.body.id}`, { body: { title: 'edited' } });
  await c.inbox.waitFor((items) => items.some((m) => m.type === 'event' && m.topic === `posts/${mine.body.id}`));
  // 'after' went to nobody; the edit of the unpublished post still matches the `posts` filter.
  assert.deepEqual(events(c.inbox).slice(count).map((m) => [m.topic, m.data.action]), [
    ['posts', 'update'],
    [`posts/${mine.body.id}`, 'update'],
  ]);

  // Closing the socket removes the client and its subscriptions.
  c.ws.close();
  await new Promise<void>((resolve) => c.ws.once('close', () => resolve()));
  while (t.app.realtime.clients.size > 0) await new Promise((r) => setImmediate(r));
  assert.equal(t.app.realtime.stats().subscriptions, 0);
});

eachAppDialect('realtime: a change of the auth record reaches its connections; deleting it closes them', async (t) => {
  const { alice } = await seedPosts(t, 'published = true || @request.auth.verified = true');
  const c = await open(t.url);
  c.send({ type: 'auth', id: 'a', token: alice.token });
  await c.reply('a');
  c.send({ type: 'subscribe', id: 's', topic: 'posts/*' });
  await c.reply('s');
  const titles = (): string[] => events(c.inbox).map((m) => m.data.record.title);

  // Not verified yet: the unpublished post is not sent (the published one is the fence).
  await t.call('POST', '/api/collections/posts/records', { body: { title: 'draft 1' } });
  await t.call('POST', '/api/collections/posts/records', { body: { title: 'public 1', published: true } });
  await c.inbox.waitFor(() => titles().includes('public 1'));
  assert.deepEqual(titles(), ['public 1']);

  // Verified by a superuser (on any node): the connection's rules now read the new value.
  assert.equal((await t.call('PATCH', `/api/collections/users/records/${alice.id}`, { body: { verified: true } })).status, 200);
  await t.call('POST', '/api/collections/posts/records', { body: { title: 'draft 2' } });
  await c.inbox.waitFor(() => titles().includes('draft 2'));
  assert.deepEqual(titles(), ['public 1', 'draft 2']);

  const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
  assert.equal((await t.call('DELETE', `/api/collections/users/records/${alice.id}`)).status, 204);
  assert.equal(await closed, 1000);
});

eachAppDialect('realtime: email visibility on auth collections and expand, shaped per requester', async (t) => {
  const { alice, bob } = await seedPosts(t);
  // Everyone may list users; email stays visible only to the owner (emailVisibility is off).
  assert.equal((await t.call('PATCH', '/api/collections/users', { body: { listRule: '' } })).status, 200);
  const c = await open(t.url);
  c.send({ type: 'auth', id: 'a', token: alice.token });
  await c.reply('a');
  c.send({ type: 'subscribe', id: 'u', topic: 'users/*' });
  c.send({ type: 'subscribe', id: 'p', topic: 'posts/*', options: { expand: 'owner' } });
  await c.reply('p');
  const guest = await open(t.url);
  guest.send({ type: 'subscribe', id: 'p', topic: 'posts/*', options: { expand: 'owner' } });
  await guest.reply('p');

  await t.call('PATCH', `/api/collections/users/records/${bob.id}`, { body: { name: 'Bob' } });
  await t.call('PATCH', `/api/collections/users/records/${alice.id}`, { body: { name: 'Alice' } });
  await c.inbox.waitFor(() => events(c.inbox).filter((m) => m.topic === 'users/*').length === 2);
  const [bobEvent, aliceEvent] = events(c.inbox).filter((m) => m.topic === 'users/*').map((m) => m.data.record);
  assert.equal(bobEvent.id, bob.id);
  assert.equal('email' in bobEvent, false);
  assert.equal(aliceEvent.email, 'alice@example.com');
  for (const r of [bobEvent, aliceEvent]) assert.equal('password' in r || 'tokenKey' in r, false);

  // Expand runs the users' view rule for each subscriber: alice sees her own record, a guest nothing.
  const post = await t.call('POST', '/api/collections/posts/records', { body: { title: 'mine', published: true, owner: alice.id } });
  await c.inbox.waitFor(() => events(c.inbox).some((m) => m.topic === 'posts/*'));
  await guest.inbox.waitFor(() => events(guest.inbox).length === 1);
  const forAlice = events(c.inbox).find((m) => m.topic === 'posts/*')!.data.record;
  assert.equal(forAlice.id, post.body.id);
  assert.equal(forAlice.expand.owner.id, alice.id);
  assert.equal(events(guest.inbox)[0]!.data.record.expand, undefined);
  c.ws.close();
  guest.ws.close();
});
