/**
 * PocketBase's realtime through the official SDK (SSE, `eventsource` polyfill) on SQLite and
 * PostgreSQL: events after commit, rule-checked per subscriber, per-subscription filter and
 * fields, nothing for a rolled-back batch. "Nothing arrived" is proven with a fence: a later write
 * the subscriber can see, which arrives after anything the earlier write would have sent.
 */
import assert from 'node:assert/strict';
import { eachAppDialect } from '../http/test-app.js';
import { Inbox, sdk, seedPosts } from './realtime-fixture.js';

eachAppDialect('realtime SSE via the SDK: create/update/delete, rules, filter, fields, rollback', async (t) => {
  const { alice, bob } = await seedPosts(t);
  const admin = sdk(t.url, t.token);
  const guest = sdk(t.url);
  const asAlice = sdk(t.url, alice.token);
  const asBob = sdk(t.url, bob.token);

  const guestInbox = new Inbox();
  const aliceInbox = new Inbox();
  const bobInbox = new Inbox();
  const filtered = new Inbox();
  await guest.collection('posts').subscribe('*', guestInbox.push);
  await asAlice.collection('posts').subscribe('*', aliceInbox.push);
  await asBob.collection('posts').subscribe('*', bobInbox.push);
  await guest.collection('posts').subscribe('*', filtered.push, { filter: 'title ~ "hello"', fields: 'id,title' });

  // Create: a public post reaches everyone; the hidden field never reaches non-superusers.
  const pub = await admin.collection('posts').create({ title: 'hello world', published: true, secret: 's3' });
  await Promise.all([guestInbox.waitForCount(1), aliceInbox.waitForCount(1), bobInbox.waitForCount(1), filtered.waitForCount(1)]);
  assert.equal(guestInbox.items[0]?.action, 'create');
  assert.equal(guestInbox.items[0]?.record.id, pub.id);
  assert.equal(guestInbox.items[0]?.record.title, 'hello world');
  assert.equal(guestInbox.items[0]?.record.collectionName, 'posts');
  assert.equal('secret' in (guestInbox.items[0]?.record ?? {}), false);
  assert.deepEqual(filtered.items[0], { action: 'create', record: { id: pub.id, title: 'hello world' } });

  // A private post of alice: only alice hears it; the fence (public) proves the others did not.
  const priv = await admin.collection('posts').create({ title: 'hello private', published: false, owner: alice.id });
  await aliceInbox.waitForCount(2);
  assert.equal(aliceInbox.items[1]?.record.id, priv.id);
  const fence1 = await admin.collection('posts').create({ title: 'fence one', published: true });
  await Promise.all([guestInbox.waitForCount(2), bobInbox.waitForCount(2), aliceInbox.waitForCount(3)]);
  assert.equal(guestInbox.items[1]?.record.id, fence1.id);
  assert.equal(bobInbox.items[1]?.record.id, fence1.id);
  // The filter subscriber saw neither the private post nor the non-matching fence.
  assert.equal(filtered.items.length, 1);

  // Update and delete; delete carries the last state.
  await admin.collection('posts').update(pub.id, { title: 'hello again' });
  await guestInbox.waitForCount(3);
  assert.equal(guestInbox.items[2]?.action, 'update');
  assert.equal(guestInbox.items[2]?.record.title, 'hello again');
  await filtered.waitForCount(2);
  assert.deepEqual(filtered.items[1], { action: 'update', record: { id: pub.id, title: 'hello again' } });
  await admin.collection('posts').delete(pub.id);
  await guestInbox.waitForCount(4);
  assert.equal(guestInbox.items[3]?.action, 'delete');
  assert.equal(guestInbox.items[3]?.record.title, 'hello again');

  // One record's topic (view rule), with the SDK's exact event name (options included).
  const one = new Inbox();
  await asBob.collection('posts').subscribe(fence1.id, one.push, { expand: '' });
  await admin.collection('posts').update(fence1.id, { title: 'fence one, edited' });
  await one.waitForCount(1);
  assert.equal(one.items[0]?.record.title, 'fence one, edited');

  // A rolled-back batch sends nothing: the second request fails, so the first create is undone.
  const before = guestInbox.items.length;
  const batch = admin.createBatch();
  batch.collection('posts').create({ title: 'never', published: true });
  batch.collection('posts').update('does-not-exist', { title: 'x' });
  await assert.rejects(batch.send());
  const fence2 = await admin.collection('posts').create({ title: 'fence two', published: true });
  await guestInbox.waitFor((items) => items.some((e) => e.record.id === fence2.id));
  const after = guestInbox.items.slice(before).filter((e) => e.action === 'create');
  assert.deepEqual(after.map((e) => e.record.title), ['fence two']);

  // Unsubscribing everything closes the stream (SDK) and the server forgets the client.
  for (const pb of [guest, asAlice, asBob]) await pb.realtime.unsubscribe();
  await waitUntil(() => t.app.realtime.clients.size === 0);
  assert.equal(t.app.realtime.stats().subscriptions, 0);
});

eachAppDialect('realtime SSE: POST /api/realtime errors and auth binding, as PocketBase', async (t) => {
  const { alice, bob } = await seedPosts(t);
  // Unknown client -> 404 (after asking the other nodes); missing clientId -> 400.
  const unknown = await t.call('POST', '/api/realtime', { body: { clientId: 'nope', subscriptions: [] }, token: null });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.message, 'Missing or invalid client id.');
  const missing = await t.call('POST', '/api/realtime', { body: { subscriptions: [] }, token: null });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.data.clientId.code, 'validation_required');

  // A raw stream: read PB_CONNECT, then bind alice; bob's token on the same client is 403.
  const res = await fetch(`${t.url}/api/realtime`);
  assert.equal(res.headers.get('content-type'), 'text/event-stream');
  const reader = res.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  const clientId = /^id:(\w+)\nevent:PB_CONNECT\ndata:(.*)\n\n/.exec(first);
  assert.ok(clientId, first);
  assert.deepEqual(JSON.parse(clientId[2]!), { clientId: clientId[1] });
  const post = (token: string | null, subscriptions: unknown) =>
    t.call('POST', '/api/realtime', { body: { clientId: clientId[1], subscriptions }, token });
  assert.equal((await post(null, ['posts/*'])).status, 204);
  assert.equal((await post(alice.token, ['posts/*'])).status, 204); // guest -> auth is allowed
  const other = await post(bob.token, ['posts/*']);
  assert.equal(other.status, 403);
  assert.equal((await post(null, [])).status, 403); // auth -> guest is a change too
  assert.equal((await post(alice.token, ['bad\ntopic'])).status, 400);
  assert.equal((await post(alice.token, 'posts/*')).status, 400);
  assert.equal((await post(alice.token, ['x'.repeat(2501)])).status, 400);
  // Once client IPs are known (trusted proxy header), a POST from another IP is refused.
  assert.equal((await t.call('PATCH', '/api/settings', { body: { trustedProxy: { headers: ['X-Forwarded-For'] } } })).status, 200);
  const fromElsewhere = await t.call('POST', '/api/realtime', {
    body: { clientId: clientId[1], subscriptions: [] }, token: alice.token, headers: { 'x-forwarded-for': '10.1.2.3' },
  });
  assert.equal(fromElsewhere.status, 400);
  assert.equal((await post(alice.token, [])).status, 204);
  await reader.cancel();
}, { open: { realtime: { forwardTimeoutMs: 300 } } });

async function waitUntil(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setImmediate(r));
}

eachAppDialect('realtime: malformed POST /api/realtime bodies are 4xx in the documented shape, never 500', async (t) => {
  const bodies: Array<[string, string]> = [
    ['{"clientId":', 'application/json'],
    ['[1,2,3]', 'application/json'],
    ['null', 'application/json'],
    ['"text"', 'application/json'],
    ['{"clientId":{"x":1},"subscriptions":{"0":"posts/*"}}', 'application/json'],
    ['{"clientId":"x","subscriptions":[1,null]}', 'application/json'],
    ['{"clientId":"x","subscriptions":["posts/*?options=%7Bbroken"]}', 'application/json'],
    ['{"__proto__":{"clientId":"x"}}', 'application/json'],
    ['['.repeat(5000) + ']'.repeat(5000), 'application/json'],
    ['%%%&&&==%zz', 'application/x-www-form-urlencoded'],
    ['whatever', 'multipart/form-data'],
    ['hello', 'text/plain'],
  ];
  for (const [raw, contentType] of bodies) {
    const r = await t.call('POST', '/api/realtime', { raw, headers: { 'content-type': contentType }, token: null });
    assert.ok(r.status >= 400 && r.status < 500, `${raw.slice(0, 40)} -> ${r.status}`);
    assert.equal(typeof r.body.message, 'string');
    assert.equal(r.body.status, r.status);
    assert.equal(typeof r.body.data, 'object');
  }
}, { open: { realtime: { forwardTimeoutMs: 50 } } });
