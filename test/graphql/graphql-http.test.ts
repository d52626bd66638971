/**
 * GraphQL over HTTP on both databases, through a real server: generated queries and nested
 * relations, the same rules as REST (hidden records, unreadable relations -> null, hidden fields,
 * email visibility), mutations with validation and modifiers, auth mutations, limits, persisted
 * queries, introspection policy, the SDL route and the schema following collection changes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { getIntrospectionQuery } from 'graphql';
import { eachAppDialect } from '../http/test-app.js';
import { createGraphQLFixture, gql } from './graphql-fixture.js';

eachAppDialect('graphql over HTTP', async (t, ctx) => {
  const fx = await createGraphQLFixture(t);
  const su = { records: t.app.records };
  const suCtx = { auth: null, isSuperuser: true, request: { auth: null } };
  const author = (await su.records.create('authors', { name: 'Ada', bio: 'secret bio' }, {}, suCtx)).record;
  const note = (await su.records.create('notes', { text: 'mine', owner: fx.user.id }, {}, suCtx)).record;
  const post = (await su.records.create('posts', { title: 'Hello', views: 1, tags: ['a'], meta: { k: [1, 2] }, author: author.id, note: note.id }, {}, suCtx)).record;
  await su.records.create('posts', { title: 'Second', views: 5, author: author.id }, {}, suCtx);
  for (const body of ['one', 'two']) await su.records.create('comments', { body, post: post.id }, {}, suCtx);
  await su.records.create('vault', { secret: 'x' }, {}, suCtx);

  await ctx.test('list with filter, sort and nested relations / back-relations', async () => {
    const res = await gql(t, `{
      postsList(filter: "views > 0", sort: "-views", perPage: 10) {
        page perPage totalItems totalPages
        items { id title views tags meta created author { name } author_id comments_via_post { body } comments_via_post_count }
      }
    }`, { token: null });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.errors, undefined);
    const list = res.body.data.postsList;
    assert.deepEqual([list.page, list.perPage, list.totalItems, list.totalPages], [1, 10, 2, 1]);
    assert.deepEqual(list.items.map((p: any) => p.title), ['Second', 'Hello']);
    const hello = list.items[1];
    assert.equal(hello.author.name, 'Ada');
    assert.equal(hello.author_id, author.id);
    assert.deepEqual(hello.tags, ['a']);
    assert.deepEqual(hello.meta, { k: [1, 2] });
    assert.match(hello.created, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(hello.comments_via_post.map((c: any) => c.body), ['one', 'two']);
    assert.equal(hello.comments_via_post_count, 2);
    assert.deepEqual(list.items[0].comments_via_post, []);
    assert.equal(list.items[0].comments_via_post_count, 0);
  });

  await ctx.test('back-relations with a per-parent limit (single and multi relations)', async () => {
    const res = await gql(t, `query($id: ID!) { posts(id: $id) { first: comments_via_post(limit: 1) { body } all: comments_via_post { body } none: comments_via_post(limit: 0) { body } } }`, { variables: { id: post.id }, token: null });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.data.posts, { first: [{ body: 'one' }], all: [{ body: 'one' }, { body: 'two' }], none: [] });
    const reviews = await t.call('POST', '/api/collections', {
      body: { name: 'reviews', fields: [{ name: 'stars', type: 'number' }, { name: 'about', type: 'relation', collectionId: fx.postsId, maxSelect: 5 }], listRule: '', viewRule: '' },
    });
    assert.equal(reviews.status, 200, JSON.stringify(reviews.body));
    const other = (await su.records.create('posts', { title: 'Third' }, {}, suCtx)).record;
    for (const [stars, about] of [[1, [post.id, other.id]], [2, [other.id]], [3, [post.id]], [4, [post.id, other.id]]] as const) {
      await su.records.create('reviews', { stars, about: [...about] }, {}, suCtx);
    }
    const multi = await gql(t, `{ postsList(filter: "title = 'Hello' || title = 'Third'", sort: "title") { items { title reviews_via_about(limit: 2) { stars } reviews_via_about_count } } }`, { token: null });
    assert.equal(multi.status, 200, JSON.stringify(multi.body));
    assert.deepEqual(multi.body.data.postsList.items, [
      { title: 'Hello', reviews_via_about: [{ stars: 1 }, { stars: 3 }], reviews_via_about_count: 3 },
      { title: 'Third', reviews_via_about: [{ stars: 1 }, { stars: 2 }], reviews_via_about_count: 3 },
    ]);
    await su.records.delete('posts', String(other.id), {}, suCtx);
    await t.call('DELETE', '/api/collections/reviews');
  });

  await ctx.test('single record query; a missing id is null', async () => {
    const res = await gql(t, 'query($id: ID!) { posts(id: $id) { title authors: author { name } } missing: posts(id: "nope") { id } }', { variables: { id: post.id }, token: null });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.data, { posts: { title: 'Hello', authors: { name: 'Ada' } }, missing: null });
  });

  await ctx.test('the same filter language errors as REST', async () => {
    const res = await gql(t, '{ postsList(filter: "nope ~~ 1") { totalItems } }', { token: null });
    assert.equal(res.status, 200);
    assert.equal(res.body.data, null);
    assert.equal(res.body.errors[0].extensions.code, 'invalid_filter');
    assert.equal(res.body.errors[0].extensions.status, 400);
    assert.deepEqual(res.body.errors[0].path, ['postsList']);
  });

  await ctx.test('rules: records hidden by a rule, unreadable relations are null, superuser-only collections absent', async () => {
    const q = `query($id: ID!) { posts(id: $id) { title note { text } } notesList { totalItems items { text } } }`;
    const guest = await gql(t, q, { variables: { id: post.id }, token: null });
    assert.equal(guest.status, 200, JSON.stringify(guest.body));
    assert.equal(guest.body.data.posts.note, null);
    assert.equal(guest.body.data.notesList.totalItems, 0);
    const other = await gql(t, q, { variables: { id: post.id }, token: fx.other.token });
    assert.equal(other.body.data.posts.note, null);
    assert.equal(other.body.data.notesList.totalItems, 0);
    const owner = await gql(t, q, { variables: { id: post.id }, token: fx.user.token });
    assert.deepEqual(owner.body.data.posts.note, { text: 'mine' });
    assert.deepEqual(owner.body.data.notesList.items, [{ text: 'mine' }]);
    // superuser-only: not in the public schema at all (a validation error, not data)
    const vault = await gql(t, '{ vaultList { totalItems } }', { token: fx.user.token });
    assert.equal(vault.status, 400);
    assert.equal(vault.body.errors[0].extensions.code, 'graphql_validation_failed');
    const suVault = await gql(t, '{ vaultList { totalItems items { secret } } }');
    assert.deepEqual(suVault.body.data.vaultList, { totalItems: 1, items: [{ secret: 'x' }] });
  });

  await ctx.test('hidden fields exist only for superusers; email only when visible or own', async () => {
    const guest = await gql(t, '{ authorsList { items { bio } } }', { token: null });
    assert.equal(guest.status, 400);
    assert.match(guest.body.errors[0].message, /Cannot query field "bio"/);
    const suRes = await gql(t, '{ authorsList { items { bio } } }');
    assert.deepEqual(suRes.body.data.authorsList.items, [{ bio: 'secret bio' }]);
    const q = `{ usersList(sort: "created") { items { id email } } }`;
    const asUser = await gql(t, q, { token: fx.user.token });
    assert.equal(asUser.status, 200, JSON.stringify(asUser.body));
    const emails = new Map(asUser.body.data.usersList.items.map((u: any) => [u.id, u.email]));
    // users' list rule is owner-only by default: the requester sees itself with its email
    assert.equal(emails.get(fx.user.id), fx.user.email);
    assert.ok(!emails.has(fx.other.id) || emails.get(fx.other.id) === fx.other.email);
    const asSuperuser = await gql(t, `{ users(id: "${fx.user.id}") { email } }`);
    assert.equal(asSuperuser.body.data.users.email, fx.user.email);
    // anyone may view users now: the email shows only with emailVisibility (fx.other) or to its owner
    const opened = await t.call('PATCH', '/api/collections/users', { body: { viewRule: '' } });
    assert.equal(opened.status, 200, JSON.stringify(opened.body));
    const pair = `{ a: users(id: "${fx.user.id}") { id email } b: users(id: "${fx.other.id}") { id email } }`;
    const byOther = await gql(t, pair, { token: fx.other.token });
    assert.deepEqual(byOther.body.data, { a: { id: fx.user.id, email: null }, b: { id: fx.other.id, email: fx.other.email } });
    const byGuest = await gql(t, pair, { token: null });
    assert.deepEqual(byGuest.body.data, { a: { id: fx.user.id, email: null }, b: { id: fx.other.id, email: fx.other.email } });
    const byOwner = await gql(t, pair, { token: fx.user.token });
    assert.equal(byOwner.body.data.a.email, fx.user.email);
    // and through a relation: notes.owner -> users, seen by the owner
    const nested = await gql(t, '{ notesList { items { owner { email } } } }', { token: fx.user.token });
    assert.deepEqual(nested.body.data.notesList.items, [{ owner: { email: fx.user.email } }]);
  });

  await ctx.test('mutations: create, update with modifiers, delete, validation errors with field data', async () => {
    const created = await gql(t, `mutation($data: PostsInput!) { postsCreate(data: $data) { id title views tags author { name } } }`, {
      variables: { data: { title: 'New', views: 10, tags: ['b'], author: author.id } }, token: fx.user.token,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const id = created.body.data.postsCreate.id;
    assert.deepEqual(created.body.data.postsCreate.author, { name: 'Ada' });
    const updated = await gql(t, `mutation { postsUpdate(id: "${id}", data: { views_add: 5, tags_append: ["c"], tags_remove: ["b"] }) { views tags } }`, { token: fx.user.token });
    assert.deepEqual(updated.body.data.postsUpdate, { views: 15, tags: ['c'] });
    const invalid = await gql(t, `mutation { postsCreate(data: { title: "" }) { id } }`, { token: fx.user.token });
    assert.equal(invalid.status, 200);
    assert.equal(invalid.body.data.postsCreate, null);
    const ext = invalid.body.errors[0].extensions;
    assert.equal(ext.code, 'validation_failed');
    assert.equal(ext.status, 400);
    assert.equal(ext.data.title.code, 'validation_required');
    const del = await gql(t, `mutation { postsDelete(id: "${id}") }`, { token: fx.user.token });
    assert.deepEqual(del.body.data, { postsDelete: true });
    const again = await gql(t, `mutation { postsDelete(id: "${id}") }`, { token: fx.user.token });
    assert.equal(again.body.errors[0].extensions.code, 'not_found');
    // a rule refusing the write: other users cannot update someone's note (404 like REST)
    const foreign = await gql(t, `mutation { notesUpdate(id: "${note.id}", data: { text: "x" }) { text } }`, { token: fx.other.token });
    assert.equal(foreign.body.errors[0].extensions.code, 'not_found');
  });

  await ctx.test('auth mutations: authWithPassword and authRefresh', async () => {
    const login = await gql(t, `mutation($i: String!) { usersAuthWithPassword(identity: $i, password: "password123") { token record { id email } } }`, {
      variables: { i: fx.user.email }, token: null,
    });
    assert.equal(login.status, 200, JSON.stringify(login.body));
    assert.equal(login.body.data.usersAuthWithPassword.record.email, fx.user.email);
    const token = login.body.data.usersAuthWithPassword.token;
    const refresh = await gql(t, `mutation { usersAuthRefresh { token record { id } } }`, { token });
    assert.equal(refresh.body.data.usersAuthRefresh.record.id, fx.user.id);
    const wrong = await gql(t, `mutation { usersAuthWithPassword(identity: "${fx.user.email}", password: "nope") { token } }`, { token: null });
    assert.equal(wrong.body.errors[0].extensions.status, 400);
    const guestRefresh = await gql(t, `mutation { usersAuthRefresh { token } }`, { token: null });
    assert.equal(guestRefresh.body.errors[0].extensions.code, 'unauthorized');
  });

  await ctx.test('depth and cost limits refuse a query before it runs', async () => {
    const deep = await gql(t, `{ commentsList { items { post { author { posts_via_author { comments_via_post { post { author { posts_via_author { note { owner_id } } } } } } } } } } }`, { token: null });
    assert.equal(deep.status, 400);
    assert.equal(deep.body.data, undefined);
    assert.equal(deep.body.errors[0].extensions.code, 'graphql_too_deep');
    assert.match(deep.body.errors[0].message, /11 fields deep; the limit is 10/);
    const costly = await gql(t, `{ postsList(perPage: 1000) { items { comments_via_post { post { comments_via_post { id body } } } } } }`, { token: null });
    assert.equal(costly.status, 400);
    assert.equal(costly.body.errors[0].extensions.code, 'graphql_too_costly');
    // fragments that spread the next one twice: 2^30 fields in a few lines, refused without walking them all
    const frags = Array.from({ length: 30 }, (_, i) => `fragment F${i} on Posts { ${i === 29 ? 'id' : `...F${i + 1} ...F${i + 1}`} }`).join('\n');
    const bomb = await gql(t, `{ posts(id: "x") { ...F0 } }\n${frags}`, { token: null });
    assert.equal(bomb.status, 400);
    assert.ok(['graphql_too_costly', 'graphql_validation_failed'].includes(bomb.body.errors[0].extensions.code), JSON.stringify(bomb.body));
  });

  await ctx.test('malformed requests and parse errors are spec-shaped', async () => {
    const missing = await gql(t, undefined);
    assert.equal(missing.status, 400);
    assert.equal(missing.body.errors[0].extensions.code, 'graphql_invalid_request');
    const syntax = await gql(t, '{ postsList { ');
    assert.equal(syntax.status, 400);
    assert.equal(syntax.body.errors[0].extensions.code, 'graphql_parse_failed');
    assert.ok(Array.isArray(syntax.body.errors[0].locations));
    const badVars = await gql(t, 'query($id: ID!) { posts(id: $id) { id } }', { variables: {} });
    assert.equal(badVars.status, 400);
    const raw = await fetch(`${t.url}/api/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[1]' });
    assert.equal(raw.status, 400);
  });

  await ctx.test('the GraphQL-over-HTTP media type when the client accepts it', async () => {
    const res = await fetch(`${t.url}/api/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json;q=0.9' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/graphql-response\+json/);
    assert.deepEqual(await res.json(), { data: { __typename: 'Query' } });
    const plain = await fetch(`${t.url}/api/graphql?query=${encodeURIComponent('{ __typename }')}`);
    assert.match(plain.headers.get('content-type') ?? '', /^application\/json/);
  });

  await ctx.test('GET runs queries only', async () => {
    const q = encodeURIComponent('{ postsList(perPage: 1) { totalItems } }');
    const res = await fetch(`${t.url}/api/graphql?query=${q}`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as any).data.postsList.totalItems, 2);
    const m = encodeURIComponent(`mutation { postsDelete(id: "${post.id}") }`);
    const refused = await fetch(`${t.url}/api/graphql?query=${m}`);
    assert.equal(refused.status, 405);
    assert.equal(((await refused.json()) as any).errors[0].extensions.code, 'method_not_allowed');
  });

  await ctx.test('automatic persisted queries', async () => {
    const query = '{ postsList(perPage: 1) { totalItems } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const extensions = { persistedQuery: { version: 1, sha256Hash } };
    const miss = await gql(t, undefined, { extensions, token: null });
    assert.equal(miss.body.errors[0].message, 'PersistedQueryNotFound');
    assert.equal(miss.body.errors[0].extensions.code, 'graphql_persisted_query_not_found');
    const register = await gql(t, query, { extensions, token: null });
    assert.equal(register.body.data.postsList.totalItems, 2);
    const hit = await gql(t, undefined, { extensions, token: null });
    assert.equal(hit.body.data.postsList.totalItems, 2);
    const mismatch = await gql(t, '{ __typename }', { extensions, token: null });
    assert.equal(mismatch.body.errors[0].extensions.code, 'graphql_invalid_request');
  });

  await ctx.test('introspection and the SDL: superusers only outside --dev', async () => {
    const intro = '{ __schema { queryType { name } } }';
    const guest = await gql(t, intro, { token: null });
    assert.equal(guest.status, 400);
    assert.match(guest.body.errors[0].message, /introspection has been disabled/);
    const asSu = await gql(t, intro);
    assert.equal(asSu.body.data.__schema.queryType.name, 'Query');
    // the standard introspection query of GraphQL clients fits; an endless ofType chain does not
    const full = await gql(t, getIntrospectionQuery());
    assert.equal(full.status, 200, JSON.stringify(full.body.errors));
    assert.ok(full.body.data.__schema.types.length > 10);
    const chain = `{ __type(name: "Posts") { fields { type ${'{ ofType '.repeat(25)}{ name }${' }'.repeat(25)} } } }`;
    const tooDeep = await gql(t, chain);
    assert.equal(tooDeep.status, 400);
    assert.equal(tooDeep.body.errors[0].extensions.code, 'graphql_too_deep');
    const sdlGuest = await t.call('GET', '/api/graphql/schema.graphql', { token: null });
    assert.equal(sdlGuest.status, 401);
    const sdlUser = await t.call('GET', '/api/graphql/schema.graphql', { token: fx.user.token });
    assert.equal(sdlUser.status, 403);
    const sdl = await fetch(`${t.url}/api/graphql/schema.graphql`, { headers: { authorization: t.token } });
    assert.equal(sdl.status, 200);
    const text = await sdl.text();
    assert.match(text, /type Posts \{/);
    assert.match(text, /vaultList/);
    assert.match(text, /bio: String/);
  });

  await ctx.test('settings graphql: introspection on for everyone, a lower depth limit', async () => {
    const patched = await t.call('PATCH', '/api/settings', { body: { graphql: { introspection: true, maxDepth: 2 } } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.deepEqual(patched.body.graphql, { introspection: true, maxDepth: 2, maxCost: 20000 });
    const intro = await gql(t, '{ __schema { queryType { name } } }', { token: null });
    assert.equal(intro.body.data.__schema.queryType.name, 'Query');
    const sdl = await t.call('GET', '/api/graphql/schema.graphql', { token: null });
    assert.equal(sdl.status, 200);
    assert.doesNotMatch(String(sdl.body), /vaultList|bio:/);
    const deep = await gql(t, '{ postsList { items { author { name } } } }', { token: null });
    assert.equal(deep.body.errors[0].extensions.code, 'graphql_too_deep');
    const bad = await t.call('PATCH', '/api/settings', { body: { graphql: { maxDepth: 0 } } });
    assert.equal(bad.status, 400);
    await t.call('PATCH', '/api/settings', { body: { graphql: { introspection: false, maxDepth: 10 } } });
  });

  await ctx.test('the schema follows collection changes', async () => {
    await t.call('PATCH', `/api/collections/${fx.authorsId}`, { body: { fields: [{ name: 'name', type: 'text' }, { name: 'bio', type: 'text', hidden: true }, { name: 'country', type: 'text' }] } });
    const res = await gql(t, '{ authorsList { items { name country } } }', { token: null });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.data.authorsList.items, [{ name: 'Ada', country: '' }]);
  });
});
