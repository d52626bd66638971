/**
 * The `graphql-ws` protocol at /api/graphql/ws with the official `graphql-ws` client over a real
 * socket: queries and mutations, auth in connection_init (a bad token is refused), the same limits
 * as HTTP, and subscription events from the realtime broker under the rules.
 */
import assert from 'node:assert/strict';
import { createClient } from 'graphql-ws';
import type { Client } from 'graphql-ws';
import WebSocket from 'ws';
import { eachAppDialect } from '../http/test-app.js';
import type { TestApp } from '../http/test-app.js';
import { createGraphQLFixture } from './graphql-fixture.js';

function wsClient(t: TestApp, token?: string): { client: Client; closed: Promise<{ code: number }> } {
  let onClosed: (e: { code: number }) => void = () => {};
  const closed = new Promise<{ code: number }>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: `${t.url.replace('http', 'ws')}/api/graphql/ws`,
    webSocketImpl: WebSocket,
    connectionParams: token === undefined ? {} : { authorization: token },
    retryAttempts: 0,
    lazy: true,
    on: { closed: (e) => onClosed({ code: (e as { code: number }).code }) },
  });
  return { client, closed };
}

// a GraphQL response as the client hands it over; tests assert on it field by field
type Result = { data?: any; errors?: readonly any[] };

function once(client: Client, query: string, variables?: Record<string, unknown>): Promise<Result> {
  return new Promise((resolve, reject) => {
    let result: Result | undefined;
    client.subscribe({ query, ...(variables ? { variables } : {}) }, {
      next: (r) => (result = r),
      error: (err) => (Array.isArray(err) ? resolve({ errors: err }) : reject(err)),
      complete: () => resolve(result as Result),
    });
  });
}

eachAppDialect('graphql over WebSocket (graphql-ws)', async (t, ctx) => {
  const fx = await createGraphQLFixture(t);
  const guest = wsClient(t);
  const user = wsClient(t, fx.user.token);
  try {
    await ctx.test('queries and mutations', async () => {
      const created = await once(user.client, 'mutation { authorsCreate(data: { name: "Grace" }) { id name } }');
      assert.equal(created.errors, undefined, JSON.stringify(created.errors));
      assert.equal(created.data.authorsCreate.name, 'Grace');
      const list = await once(guest.client, '{ authorsList { items { name } } }');
      assert.deepEqual(list.data.authorsList.items, [{ name: 'Grace' }]);
    });

    await ctx.test('auth from connection_init: rules see the user', async () => {
      await once(user.client, 'mutation($o: ID!) { notesCreate(data: { text: "n", owner: $o }) { id } }', { o: fx.user.id });
      const mine = await once(user.client, '{ notesList { totalItems } }');
      assert.equal(mine.data.notesList.totalItems, 1);
      const theirs = await once(guest.client, '{ notesList { totalItems } }');
      assert.equal(theirs.data.notesList.totalItems, 0);
    });

    await ctx.test('the same limits and errors as HTTP', async () => {
      const res = await once(guest.client, '{ postsList { items { author { posts_via_author { author { posts_via_author { author { posts_via_author { author { posts_via_author { id } } } } } } } } } } }');
      assert.equal(res.errors?.[0]?.extensions?.code, 'graphql_too_deep');
      const failed = await once(user.client, 'mutation { postsCreate(data: { title: "" }) { id } }');
      assert.equal(failed.errors?.[0]?.extensions?.code, 'validation_failed');
      const badFilter = await once(guest.client, 'subscription { postsEvents(filter: "nope ~~") { action } }');
      assert.equal(badFilter.errors?.[0]?.extensions?.code, 'invalid_filter');
    });

    await ctx.test('a bad token is refused at connection_init', async () => {
      const bad = wsClient(t, 'not-a-token');
      const err = await once(bad.client, '{ __typename }').then(() => undefined, (e: unknown) => e);
      assert.ok(err !== undefined);
      assert.equal((await bad.closed).code, 4403);
      await bad.client.dispose();
    });

    await ctx.test('subscription events under the rules', async () => {
      const events: any[] = [];
      const hidden: any[] = [];
      const owner = user.client.subscribe({ query: 'subscription { notesEvents { action record { text owner { id } } } }' }, {
        next: (r) => events.push(r), error: () => {}, complete: () => {},
      });
      const other = guest.client.subscribe({ query: 'subscription { notesEvents { action record { text } } }' }, {
        next: (r) => hidden.push(r), error: () => {}, complete: () => {},
      });
      // both subscriptions must be registered with the broker before the write
      const broker = t.app.realtime;
      const registered = Date.now() + 5000;
      while (broker.stats().subscriptions < 2 && Date.now() < registered) await new Promise((r) => setTimeout(r, 10));
      assert.equal(broker.stats().subscriptions, 2);
      await once(user.client, 'mutation($o: ID!) { notesCreate(data: { text: "live", owner: $o }) { id } }', { o: fx.user.id });
      const deadline = Date.now() + 5000;
      while (events.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      owner();
      other();
      assert.equal(events.length, 1, 'the owner gets the create event');
      assert.equal(events[0].data.notesEvents.action, 'create');
      assert.equal(events[0].data.notesEvents.record.text, 'live');
      assert.equal(events[0].data.notesEvents.record.owner.id, fx.user.id);
      assert.equal(hidden.length, 0, 'a guest the list rule excludes gets nothing');
    });
    await ctx.test('subscription filter, one record by id, update and delete events', async () => {
      const broker = t.app.realtime;
      // the previous test's subscriptions end asynchronously (their complete message travels first)
      const drained = Date.now() + 5000;
      while (broker.stats().subscriptions > 0 && Date.now() < drained) await new Promise((r) => setTimeout(r, 10));
      const base = broker.stats().subscriptions;
      const created = await once(user.client, 'mutation { postsCreate(data: { title: "watched", views: 1 }) { id } }');
      const id = created.data.postsCreate.id;
      const filtered: any[] = [];
      const byId: any[] = [];
      const stopFiltered = guest.client.subscribe({ query: 'subscription { postsEvents(filter: "views > 10") { action record { title views } } }' }, {
        next: (r) => filtered.push(r.data), error: () => {}, complete: () => {},
      });
      const stopById = guest.client.subscribe({ query: `subscription { postsEvents(id: "${id}") { action record { id views } } }` }, {
        next: (r) => byId.push(r.data), error: () => {}, complete: () => {},
      });
      const registered = Date.now() + 5000;
      while (broker.stats().subscriptions < base + 2 && Date.now() < registered) await new Promise((r) => setTimeout(r, 10));
      assert.equal(broker.stats().subscriptions, base + 2);
      await once(user.client, `mutation { postsUpdate(id: "${id}", data: { views_add: 20 }) { id } }`);
      await once(user.client, 'mutation { postsCreate(data: { title: "quiet", views: 2 }) { id } }');
      await once(user.client, `mutation { postsDelete(id: "${id}") }`);
      const deadline = Date.now() + 5000;
      while ((byId.length < 2 || filtered.length < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      stopFiltered();
      stopById();
      assert.deepEqual(byId.map((e) => [e.postsEvents.action, e.postsEvents.record.views]), [['update', 21], ['delete', 21]]);
      // the filter lets through the update (views 21) and the delete, not the "quiet" create
      assert.deepEqual(filtered.map((e) => [e.postsEvents.action, e.postsEvents.record.title]), [['update', 'watched'], ['delete', 'watched']]);
    });
  } finally {
    await guest.client.dispose();
    await user.client.dispose();
  }
});
