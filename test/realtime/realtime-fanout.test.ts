/**
 * The fan-out's cost and bounds, on SQLite and PostgreSQL:
 * - SQL per event grows neither with subscribers nor with groups: the decisions the in-memory
 *   matcher cannot make (one per distinct rule input) are batched into one query per event;
 * - a client that stops reading is dropped once its bytes in flight pass the limit, so the
 *   server's memory stays bounded, and it may reconnect;
 * - idle connections are closed, quiet ones get keep-alives; per-IP connection limit.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AuthState } from '../../src/auth/auth-record.js';
import { findAuthRecord } from '../../src/auth/auth-record.js';
import { eachAppDialect } from '../http/test-app.js';
import type { TestApp } from '../http/test-app.js';
import { countQueries } from '../graphql/query-counter.js';
import { seedPosts } from './realtime-fixture.js';

/** Signed-in users see posts of unverified owners: `owner.verified` is a relation path, so it needs SQL. */
const RELATION_RULE = '@request.auth.id != "" && owner.verified = false';

async function authOf(t: TestApp, id: string): Promise<AuthState> {
  const collection = t.app.collections.find('users')!;
  const record = await findAuthRecord(t.app.db, collection, 'id', id);
  return { collection, record: record! };
}

eachAppDialect('realtime: SQL per event grows neither with subscribers nor with groups (one batched query)', async (t) => {
  // Four signed-in users; the rule reads @request.auth.id, so each user is a group of its own.
  const users: string[] = [];
  for (let i = 0; i < 4; i++) {
    const r = await t.call('POST', '/api/collections/users/records', { body: { email: `u${i}@example.com`, password: 'password123', passwordConfirm: 'password123' } });
    users.push(r.body.id);
  }
  await seedPosts(t, RELATION_RULE);
  const auths = await Promise.all(users.map((id) => authOf(t, id)));
  const superuser = { collection: t.app.collections.find('_superusers')!, record: { id: 'su', email: '', password: '', tokenKey: '', verified: true, emailVisibility: false } };

  /** Subscribes `perUser` subscribers for each of the first `groups` users; returns the unsubscribe. */
  const subscribe = (groups: number, perUser: number, seen: string[]) => {
    const offs: Array<() => void> = [];
    for (let g = 0; g < groups; g++) {
      for (let s = 0; s < perUser; s++) {
        offs.push(t.app.realtime.subscribeRecords({ auth: auths[g]!, deliver: () => (seen.push(users[g]!), true) }, 'posts/*'));
      }
    }
    return () => offs.forEach((off) => off());
  };

  /**
   * Statements on `posts` other than the write itself, from the write until the superuser fence got
   * the event. The fence subscribes last, so its group is served after every other group of the
   * event; a superuser's group costs no SQL (rules are bypassed, nothing to look up).
   */
  const measure = async (groups: number, perUser: number): Promise<{ queries: number; delivered: number; receivers: Set<string> }> => {
    const seen: string[] = [];
    const off = subscribe(groups, perUser, seen);
    let fence: () => void = () => {};
    const fenced = new Promise<void>((resolve) => (fence = resolve));
    const offFence = t.app.realtime.subscribeRecords({ auth: superuser, deliver: () => (fence(), true) }, 'posts/*');
    const counter = countQueries(t.app.db, (sql) => !sql.includes('"posts"') || /^\s*INSERT/i.test(sql));
    try {
      await t.app.records.create('posts', { title: 'x', owner: users[0] }, {}, { auth: null, isSuperuser: true, request: { auth: null } });
      await fenced;
      return { queries: counter.count, delivered: seen.length, receivers: new Set(seen) };
    } finally {
      counter.restore();
      off();
      offFence();
    }
  };

  const oneGroupOneSub = await measure(1, 1);
  const oneGroupManySubs = await measure(1, 20);
  const fourGroupsOneSub = await measure(4, 1);
  const fourGroupsManySubs = await measure(4, 20);
  // Every signed-in subscriber may see the post (its owner is not verified): each receives it once.
  assert.equal(oneGroupOneSub.delivered, 1);
  assert.equal(oneGroupManySubs.delivered, 20);
  assert.equal(fourGroupsManySubs.delivered, 80);
  // One relation check per group (a distinct @request.auth.id), all of them in one statement,
  // whatever the number of subscribers or groups.
  assert.equal(oneGroupOneSub.queries, 1);
  assert.equal(oneGroupManySubs.queries, 1);
  assert.equal(fourGroupsOneSub.queries, 1);
  assert.equal(fourGroupsManySubs.queries, 1);

  // A rule that reads no @request.auth field is decided once for every user: one query in all.
  const patched = await t.call('PATCH', '/api/collections/posts', { body: { listRule: 'owner.verified = false' } });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  const shared = await measure(4, 20);
  assert.equal(shared.delivered, 80);
  assert.equal(shared.queries, 1);

  // Decisions that differ per user in SQL land on the right users: only the post's owner passes.
  const perUserRule = await t.call('PATCH', '/api/collections/posts', { body: { listRule: 'owner.email = @request.auth.email' } });
  assert.equal(perUserRule.status, 200, JSON.stringify(perUserRule.body));
  const ownerOnly = await measure(4, 20);
  assert.equal(ownerOnly.queries, 1);
  assert.equal(ownerOnly.delivered, 20);
  assert.deepEqual([...ownerOnly.receivers], [users[0]]);
});

eachAppDialect('realtime: a client that never reads is dropped and the bytes held for it stay bounded', async (t) => {
  const { app } = t;
  // A raw HTTP client that reads PB_CONNECT and then stops reading.
  const socket = connect(Number(new URL(t.url).port), '127.0.0.1');
  socket.write('GET /api/realtime HTTP/1.1\r\nHost: localhost\r\n\r\n');
  const head = await new Promise<string>((resolve) => socket.once('data', (d) => resolve(String(d))));
  socket.pause();
  const clientId = /id:(\w{40})/.exec(head)?.[1];
  assert.ok(clientId, head);
  const sub = await t.call('POST', '/api/realtime', { body: { clientId, subscriptions: ['@big'] }, token: null });
  assert.equal(sub.status, 204);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.on('error', () => {});

  // 256 KiB per event: the kernel's buffers fill, then Node's; past maxQueuedBytes the client goes.
  const payload = { blob: 'x'.repeat(256 * 1024) };
  const before = app.realtime.stats().refused;
  let sent = 0;
  while (app.realtime.clients.get(clientId) !== undefined) {
    await app.realtime.publishCustom('@big', payload);
    sent++;
    await new Promise((r) => setImmediate(r));
    assert.ok(sent < 2000, 'the stalled client was never dropped');
  }
  assert.equal(app.realtime.stats().refused, before + 1);
  const { dropped, peakQueuedBytes } = app.realtime.clients.stats();
  assert.equal(dropped, 1);
  // What the server held for it never passed the limit by more than the frame that tipped it over.
  assert.ok(peakQueuedBytes > 512 * 1024 && peakQueuedBytes <= 512 * 1024 + 256 * 1024 + 200, String(peakQueuedBytes));
  socket.resume(); // let the socket drain and see the server's close
  await closed;
  assert.equal(app.realtime.clients.size, 0);
}, { open: { realtime: { maxQueuedBytes: 512 * 1024, idleTimeoutMs: 0, keepAliveMs: 0 } } });

eachAppDialect('realtime: idle streams close, quiet ones get keep-alives, too many per IP is 429 (settings)', async (t) => {
  const res = await fetch(`${t.url}/api/realtime`);
  const reader = res.body!.getReader();
  let text = '';
  let done = false;
  while (!done) {
    const chunk = await reader.read();
    done = chunk.done;
    if (chunk.value) text += new TextDecoder().decode(chunk.value);
  }
  // PB_CONNECT, then keep-alive comments, then the server ended the idle stream.
  assert.match(text, /^id:\w{40}\nevent:PB_CONNECT\n/);
  assert.match(text, /\n\n:\n\n/);

  // The per-IP limit comes from the settings (every node, at once); overrides in App.open win.
  assert.equal((await t.call('PATCH', '/api/settings', { body: { realtime: { maxConnectionsPerIp: 0 } } })).status, 400);
  assert.equal((await t.call('PATCH', '/api/settings', { body: { realtime: { maxConnectionsPerIp: 1 } } })).status, 200);
  assert.equal(t.app.realtime.limits.maxConnectionsPerIp, 1);
  assert.equal(t.app.realtime.limits.idleTimeoutMs, 300);
  const first = await fetch(`${t.url}/api/realtime`);
  const second = await fetch(`${t.url}/api/realtime`);
  assert.equal(first.status, 200);
  assert.equal(second.status, 429);
  assert.equal(((await second.json()) as { status: number }).status, 429);
  await first.body!.cancel();
}, { open: { realtime: { idleTimeoutMs: 300, keepAliveMs: 40 } } });
