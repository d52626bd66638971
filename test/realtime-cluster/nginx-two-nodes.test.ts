/**
 * Issue 7, "across nodes behind a load balancer": two real `galley serve` processes on one
 * PostgreSQL schema and one Redis, behind nginx in round-robin (no sticky sessions). Everything goes
 * through nginx: the SDK's SSE stream and its `POST /api/realtime` (which round-robin sends to the
 * other node), WebSocket subscribers, and every write (which lands on either node). Each subscriber
 * must get exactly the events its rule, topic and filter let it see; a rule-excluded one gets none.
 *
 * nginx answers with `X-Upstream` (see nginx.ts), so the test checks that a subscription POST really
 * reached the node that does not hold its stream, and that writes really were made on both nodes.
 *
 * Skips visibly without nginx, PostgreSQL or Redis, unless GALLEY_TEST_REQUIRE_SERVICES=1.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { EventSource } from 'eventsource';
import PocketBase from 'pocketbase';
import { WebSocket } from 'ws';
import { createTestPostgres, redisUrl, requireService, servicesRequired, uniqueTestName } from '../../src/testing/services.js';
import { galleyLauncher } from '../cluster/galley-launcher.js';
import { runGalley, startGalleyNode, type GalleyNode } from '../cluster/galley-node.js';
import { Inbox, OWNER_RULE } from '../realtime/realtime-fixture.js';
import { findNginx, startNginx, type Nginx } from './nginx.js';

const EMAIL = 'lb@example.com';
const PASSWORD = 'lb-password-1234';

/** The upstream (`127.0.0.1:<port>`) of every SSE stream the SDK opened, in order. */
const streamUpstreams: string[] = [];

/** The polyfill, recording which node nginx sent each stream to (the SDK reads the global). */
class RecordingEventSource extends EventSource {
  constructor(url: string | URL, init?: ConstructorParameters<typeof EventSource>[1]) {
    super(url, {
      ...init,
      fetch: async (input, options) => {
        const res = await fetch(input, options);
        streamUpstreams.push(res.headers.get('x-upstream') ?? '?');
        return res;
      },
    });
  }
}
(globalThis as unknown as { EventSource: unknown }).EventSource = RecordingEventSource;

interface Cluster {
  a: GalleyNode;
  b: GalleyNode;
  lb: Nginx;
}

async function startCluster(t: TestContext): Promise<Cluster | undefined> {
  const nginx = findNginx();
  if (nginx === undefined) {
    if (servicesRequired()) assert.fail('nginx is not installed (apt-get install -y nginx) but GALLEY_TEST_REQUIRE_SERVICES=1');
    t.skip('nginx is not installed (Debian package nginx)');
    return undefined;
  }
  if (!(await requireService(t, 'postgres')) || !(await requireService(t, 'redis'))) return undefined;
  t.diagnostic(`galley launched via ${galleyLauncher().kind} (${galleyLauncher().reason})`);
  const pg = await createTestPostgres('rtlb');
  const work = await mkdtemp(join(tmpdir(), 'galley-rtlb-'));
  const stops: Array<() => Promise<unknown>> = [];
  t.after(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await pg.drop();
    await rm(work, { recursive: true, force: true });
  });
  const env = { GALLEY_KEY_PREFIX: uniqueTestName('rtlb') };
  const [cliDir, aDir, bDir] = await Promise.all(
    ['cli', 'a', 'b'].map(async (name) => {
      const dir = join(work, name);
      await mkdir(join(dir, 'migrations'), { recursive: true });
      return dir;
    }),
  ) as [string, string, string];
  const upsert = await runGalley(['superuser', 'upsert', EMAIL, PASSWORD, '--db', pg.url, '--dir', cliDir], { cwd: cliDir, env });
  assert.equal(upsert.code, 0, `superuser upsert failed:\n${upsert.stdout}\n${upsert.stderr}`);
  const serveArgs = (dir: string): string[] => ['--db', pg.url, '--redis', redisUrl(), '--http', '127.0.0.1:0', '--dir', dir, '--migrations', join(dir, 'migrations')];
  const started = await Promise.allSettled([startGalleyNode('A', serveArgs(aDir), { cwd: aDir, env }), startGalleyNode('B', serveArgs(bDir), { cwd: bDir, env })]);
  for (const s of started) if (s.status === 'fulfilled') stops.push(() => s.value.stop());
  for (const s of started) if (s.status === 'rejected') throw s.reason;
  const [a, b] = started.map((s) => (s as PromiseFulfilledResult<GalleyNode>).value) as [GalleyNode, GalleyNode];
  const lb = await startNginx(nginx, [new URL(a.url).host, new URL(b.url).host]);
  stops.push(() => lb.stop());
  return { a, b, lb };
}

interface Reply {
  status: number;
  body: Record<string, any>;
  upstream: string;
}

async function call(lb: Nginx, method: string, path: string, token?: string, body?: unknown): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${lb.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as Record<string, any>) : {};
  assert.ok(res.status < 300, `${method} ${path} through nginx: ${res.status} ${text}`);
  return { status: res.status, body: parsed, upstream: res.headers.get('x-upstream') ?? '?' };
}

/** An SDK client on the balancer that records which node answered each `POST /api/realtime`. */
function sdk(lb: Nginx, token?: string): { pb: PocketBase; posts: string[] } {
  const pb = new PocketBase(lb.url);
  pb.autoCancellation(false);
  if (token !== undefined) pb.authStore.save(token, null);
  const posts: string[] = [];
  pb.afterSend = (response, data) => {
    if (new URL(response.url).pathname === '/api/realtime') posts.push(response.headers.get('x-upstream') ?? '?');
    return data;
  };
  return { pb, posts };
}

type Message = Record<string, any>;

async function socket(lb: Nginx, closers: Array<() => void>, token?: string): Promise<{ ws: WebSocket; events: Inbox<Message>; subscribe(topic: string): Promise<void> }> {
  const ws = new WebSocket(`${lb.url.replace(/^http/, 'ws')}/api/realtime/ws${token ? `?token=${encodeURIComponent(token)}` : ''}`);
  closers.push(() => ws.terminate());
  const replies = new Inbox<Message>();
  const events = new Inbox<Message>();
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as Message;
    (m.type === 'event' ? events : replies).push(m);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let n = 0;
  return {
    ws,
    events,
    async subscribe(topic) {
      const id = `s${++n}`;
      ws.send(JSON.stringify({ type: 'subscribe', id, topic }));
      await replies.waitFor((items) => items.some((m) => m.id === id));
      const reply = replies.items.find((m) => m.id === id);
      assert.equal(reply?.type, 'subscribed', JSON.stringify(reply));
    },
  };
}

/** `action:id:title` per event, sorted: events of writes made on different nodes may interleave. */
const summary = (events: Array<{ action: string; record: Record<string, unknown> }>): string[] => events.map((e) => `${e.action}:${String(e.record.id)}:${String(e.record.title)}`).sort();

test('realtime through nginx in round-robin over two nodes (PostgreSQL + Redis)', { timeout: 180_000 }, async (t) => {
  const cluster = await startCluster(t);
  if (!cluster) return;
  const { a, b, lb } = cluster;
  const nodeName = (upstream: string): string => (upstream === new URL(a.url).host ? 'A' : upstream === new URL(b.url).host ? 'B' : upstream);
  const closers: Array<() => void> = [];
  try {
    const su = (await call(lb, 'POST', '/api/collections/_superusers/auth-with-password', undefined, { identity: EMAIL, password: PASSWORD })).body.token as string;
    await call(lb, 'POST', '/api/collections', su, {
      name: 'posts',
      type: 'base',
      fields: [
        { name: 'title', type: 'text' },
        { name: 'published', type: 'bool' },
        { name: 'owner', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1 },
      ],
      listRule: OWNER_RULE,
      viewRule: OWNER_RULE,
    });
    const user = async (email: string): Promise<{ id: string; token: string }> => {
      const created = await call(lb, 'POST', '/api/collections/users/records', su, { email, password: 'password123', passwordConfirm: 'password123' });
      const login = await call(lb, 'POST', '/api/collections/users/auth-with-password', undefined, { identity: email, password: 'password123' });
      return { id: created.body.id as string, token: login.body.token as string };
    };
    const alice = await user('alice@example.com');
    const bob = await user('bob@example.com');
    const secret = (await call(lb, 'POST', '/api/collections/posts/records', su, { title: 'private', owner: alice.id })).body;

    // SSE subscribers through the SDK, one after the other so each stream's upstream is known.
    const clients: Array<{ name: string; posts: string[]; stream: string; pb: PocketBase }> = [];
    const sse = async (name: string, token: string | undefined, topic: string, options?: Record<string, unknown>): Promise<Inbox> => {
      const { pb, posts } = sdk(lb, token);
      closers.push(() => pb.realtime.unsubscribe().catch(() => {}));
      const inbox = new Inbox();
      const before = streamUpstreams.length;
      await pb.collection('posts').subscribe(topic, inbox.push, options);
      assert.equal(streamUpstreams.length, before + 1, `${name}: one stream opened`);
      clients.push({ name, posts, stream: streamUpstreams[before] ?? '?', pb });
      return inbox;
    };
    const sseAlice = await sse('alice', alice.token, '*');
    const sseGuest = await sse('guest', undefined, '*');
    await call(lb, 'GET', '/api/health'); // shifts round-robin: the next streams land on the other node
    const sseNews = await sse('guest, filtered', undefined, '*', { filter: 'title ~ "news"', fields: 'id,title' });
    const sseBob = await sse('bob on the private record', bob.token, secret.id as string);
    // A second subscription on an open stream: another POST, sent wherever round-robin says.
    const sseAlicePrivate = new Inbox();
    await clients[0]!.pb.collection('posts').subscribe(secret.id as string, sseAlicePrivate.push);

    const crossed = clients.filter((c) => c.posts.some((p) => p !== c.stream));
    t.diagnostic(`streams / subscription POSTs: ${clients.map((c) => `${c.name}: ${nodeName(c.stream)} / ${c.posts.map(nodeName).join(',')}`).join('; ')}`);
    assert.ok(crossed.length > 0, 'round-robin sent at least one subscription POST to the node that does not hold its stream');
    assert.ok(new Set(clients.map((c) => c.stream)).size === 2, 'streams are held on both nodes');

    const wsAlice = await socket(lb, closers, alice.token);
    await wsAlice.subscribe('posts/*');
    const wsGuest = await socket(lb, closers);
    await wsGuest.subscribe('posts/*');
    const wsBob = await socket(lb, closers, bob.token);
    await wsBob.subscribe(`posts/${secret.id as string}`);

    // Writes through nginx, so on both nodes; the last one publishes the private record.
    const writes: Reply[] = [];
    const write = async (method: string, path: string, body?: unknown): Promise<Record<string, any>> => {
      const reply = await call(lb, method, `/api/collections/posts/records${path}`, su, body);
      writes.push(reply);
      return reply.body;
    };
    const news = await write('POST', '', { title: 'news one', published: true });
    await write('PATCH', `/${secret.id as string}`, { title: 'private 2' });
    const other = await write('POST', '', { title: 'other', published: true });
    await write('DELETE', `/${news.id as string}`);
    await write('PATCH', `/${secret.id as string}`, { title: 'now public', published: true });
    assert.deepEqual(new Set(writes.map((w) => nodeName(w.upstream))), new Set(['A', 'B']), 'writes were made on both nodes');

    const ev = (action: string, id: unknown, title: string): string => `${action}:${String(id)}:${title}`;
    const all = [ev('create', news.id, 'news one'), ev('update', secret.id, 'private 2'), ev('create', other.id, 'other'), ev('delete', news.id, 'news one'), ev('update', secret.id, 'now public')].sort();
    const published = [ev('create', news.id, 'news one'), ev('create', other.id, 'other'), ev('delete', news.id, 'news one'), ev('update', secret.id, 'now public')].sort();
    const privateRecord = [ev('update', secret.id, 'private 2'), ev('update', secret.id, 'now public')].sort();
    const wsEvents = (inbox: Inbox<Message>): Array<{ action: string; record: Record<string, unknown> }> => inbox.items.map((m) => m.data as { action: string; record: Record<string, unknown> });

    await Promise.all([
      sseAlice.waitForCount(all.length),
      sseGuest.waitForCount(published.length),
      sseNews.waitForCount(2),
      sseBob.waitForCount(1),
      sseAlicePrivate.waitForCount(privateRecord.length),
      wsAlice.events.waitForCount(all.length),
      wsGuest.events.waitForCount(published.length),
      wsBob.events.waitForCount(1),
    ]);
    assert.deepEqual(summary(sseAlice.items), all, 'SSE alice (owner) sees every event');
    assert.deepEqual(summary(wsEvents(wsAlice.events)), all, 'WebSocket alice sees every event');
    assert.deepEqual(summary(sseGuest.items), published, 'SSE guest sees the published records only');
    assert.deepEqual(summary(wsEvents(wsGuest.events)), published, 'WebSocket guest sees the published records only');
    assert.deepEqual(summary(sseAlicePrivate.items), privateRecord, 'SSE alice on the private record, subscribed by a second POST');
    assert.deepEqual(summary(sseNews.items), [ev('create', news.id, 'news one'), ev('delete', news.id, 'news one')].sort(), 'the filter applies');
    for (const e of sseNews.items) assert.deepEqual(Object.keys(e.record).sort(), ['id', 'title'], 'fields apply');
    // Bob may not see the private record: nothing until it was published, then that update only.
    assert.deepEqual(summary(sseBob.items), [ev('update', secret.id, 'now public')], 'SSE bob: nothing while the rule excluded him');
    assert.deepEqual(summary(wsEvents(wsBob.events)), [ev('update', secret.id, 'now public')], 'WebSocket bob: nothing while the rule excluded him');

    for (const c of clients) await c.pb.realtime.unsubscribe();
    for (const s of [wsAlice, wsGuest, wsBob]) s.ws.close();
  } catch (err) {
    if (err instanceof Error) err.message += `\n--- node A ---\n${a.output().slice(-4000)}\n--- node B ---\n${b.output().slice(-4000)}\n--- nginx ---\n${lb.output()}`;
    throw err;
  }
});
