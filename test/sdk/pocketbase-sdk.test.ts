/**
 * The official `pocketbase` JS SDK against a real Galley server, on SQLite and PostgreSQL. After the
 * server starts (and its first superuser exists), every request goes through the SDK: this is the
 * promise that a PocketBase frontend works on Galley unchanged.
 */
import assert from 'node:assert/strict';
import type { RecordModel } from 'pocketbase';
import { SUPERUSER_EMAIL, SUPERUSER_PASSWORD, eachAppDialect } from '../http/test-app.js';
import { client, rejectsWith } from './sdk-client.js';

// The `@request.auth.id != ""` guard matters: for a guest `@request.auth.id` is "", which equals
// the empty `owner` of unowned posts (PocketBase's semantics).
const POSTS_RULE = 'published = true || (@request.auth.id != "" && owner = @request.auth.id)';

eachAppDialect('pocketbase SDK: superuser, collections, CRUD, lists, expand, fields, batch, users and rules', async ({ url }) => {
  // --- superuser login and collections -------------------------------------------------------
  const admin = client(url);
  const auth = await admin.collection('_superusers').authWithPassword(SUPERUSER_EMAIL, SUPERUSER_PASSWORD);
  assert.equal(auth.record.email, SUPERUSER_EMAIL);
  assert.equal(admin.authStore.isValid, true);
  assert.equal(admin.authStore.isSuperuser, true);

  const methods = await admin.collection('users').listAuthMethods();
  assert.deepEqual(methods.password, { enabled: true, identityFields: ['email'] });
  assert.equal(methods.oauth2.enabled, false);

  const authors = await admin.collections.create({
    name: 'authors',
    type: 'base',
    fields: [{ name: 'name', type: 'text', required: true }],
    listRule: '',
    viewRule: '',
  });
  const posts = await admin.collections.create({
    name: 'posts',
    type: 'base',
    fields: [
      { name: 'title', type: 'text', required: true, max: 200 },
      { name: 'published', type: 'bool' },
      { name: 'views', type: 'number', onlyInt: true },
      { name: 'author', type: 'relation', collectionId: authors.id, maxSelect: 1 },
      { name: 'owner', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1 },
    ],
    listRule: POSTS_RULE,
    viewRule: POSTS_RULE,
    createRule: '@request.auth.id != "" && owner = @request.auth.id',
    updateRule: 'owner = @request.auth.id',
    deleteRule: 'owner = @request.auth.id',
  });
  assert.equal(posts.name, 'posts');
  const updated = await admin.collections.update('posts', {
    fields: [...posts.fields, { name: 'tags', type: 'json' }],
    indexes: ['CREATE INDEX "idx_posts_views" ON "posts" ("views")'],
  });
  assert.ok(updated.fields.some((f) => f.name === 'tags'));
  assert.equal((await admin.collections.getOne('posts')).indexes.length, 1);
  assert.ok((await admin.collections.getFullList()).some((c) => c.name === 'authors'));

  // --- record CRUD as superuser ------------------------------------------------------------
  const ada = await admin.collection('authors').create({ name: 'Ada' });
  const alan = await admin.collection('authors').create({ name: 'Alan' });
  assert.equal(ada.collectionName, 'authors');
  assert.equal(ada.collectionId, authors.id);
  assert.match(ada.id, /^[a-z0-9]{15}$/);
  const created: RecordModel[] = [];
  for (let i = 1; i <= 5; i++) {
    created.push(await admin.collection('posts').create({
      title: `post ${i}`,
      published: i !== 5,
      views: i * 10,
      author: i % 2 === 0 ? alan.id : ada.id,
      tags: ['t', i],
    }));
  }
  const first = created[0]!;
  assert.equal(first.title, 'post 1');
  assert.equal(first.views, 10);
  assert.deepEqual(first.tags, ['t', 1]);
  const viewed = await admin.collection('posts').getOne(first.id, { expand: 'author' });
  assert.equal(viewed.expand?.author?.name, 'Ada');
  const changed = await admin.collection('posts').update(first.id, { title: 'post 1 (edited)', 'views+': 5 });
  assert.equal(changed.title, 'post 1 (edited)');
  assert.equal(changed.views, 15);
  const scratch = await admin.collection('posts').create({ title: 'scratch' });
  await admin.collection('posts').delete(scratch.id);
  assert.equal((await rejectsWith(admin.collection('posts').getOne(scratch.id))).status, 404);
  const invalid = await rejectsWith(admin.collection('posts').create({ title: '' }));
  assert.equal(invalid.status, 400);
  assert.equal(invalid.response.data?.title?.code, 'validation_required');
  assert.equal((await rejectsWith(admin.collection('nope').getList())).status, 404);

  // --- lists: filter, sort, paging, expand, fields ---------------------------------------------
  const page = await admin.collection('posts').getList(1, 2, {
    filter: admin.filter('views >= {:min}', { min: 20 }),
    sort: '-views',
    expand: 'author',
    fields: 'id,title,views,expand.author.name',
  });
  assert.equal(page.page, 1);
  assert.equal(page.perPage, 2);
  assert.equal(page.totalItems, 4);
  assert.equal(page.totalPages, 2);
  assert.deepEqual(page.items.map((r) => r.title), ['post 5', 'post 4']);
  assert.deepEqual(Object.keys(page.items[0]!).sort(), ['expand', 'id', 'title', 'views']);
  assert.deepEqual(page.items[0]!.expand, { author: { name: 'Ada' } });
  assert.deepEqual(page.items[1]!.expand, { author: { name: 'Alan' } });

  const all = await admin.collection('posts').getFullList({ sort: 'created', batch: 2 });
  assert.deepEqual(all.map((r) => r.title), ['post 1 (edited)', 'post 2', 'post 3', 'post 4', 'post 5']);
  const byTitle = await admin.collection('posts').getFirstListItem('title = "post 3"');
  assert.equal(byTitle.views, 30);
  assert.equal((await rejectsWith(admin.collection('posts').getFirstListItem('title = "none"'))).status, 404);
  assert.equal((await rejectsWith(admin.collection('posts').getList(1, 20, { filter: 'title ~' }))).status, 400);
  assert.equal((await rejectsWith(admin.collection('posts').getList(1, 20, { sort: 'nofield' }))).status, 400);

  // --- batch: all or nothing -----------------------------------------------------------------
  const batch = admin.createBatch();
  batch.collection('posts').create({ title: 'batch 1', published: true, views: 1 });
  batch.collection('posts').update(created[1]!.id, { title: 'post 2 (batch)' });
  batch.collection('posts').delete(created[2]!.id);
  batch.collection('posts').upsert({ id: 'batchupsert0001', title: 'batch upsert', published: true });
  const results = await batch.send();
  assert.deepEqual(results.map((r) => r.status), [200, 200, 204, 200]);
  assert.equal(results[0]!.body.title, 'batch 1');
  assert.equal(results[1]!.body.title, 'post 2 (batch)');
  assert.equal(results[3]!.body.id, 'batchupsert0001');
  assert.equal((await admin.collection('posts').getOne('batchupsert0001')).title, 'batch upsert');
  const countBefore = (await admin.collection('posts').getList(1, 1)).totalItems;
  const failing = admin.createBatch();
  failing.collection('posts').create({ title: 'never stored' });
  failing.collection('posts').create({ title: '' });
  assert.equal((await rejectsWith(failing.send())).status, 400);
  assert.equal((await admin.collection('posts').getList(1, 1)).totalItems, countBefore);
  assert.equal((await rejectsWith(admin.collection('posts').getFirstListItem('title = "never stored"'))).status, 404);

  // --- users: sign-up, login, refresh ----------------------------------------------------------
  const alice = client(url);
  const signUp = await alice.collection('users').create({
    email: 'alice@example.com',
    password: 'alice password 1',
    passwordConfirm: 'alice password 1',
    name: 'Alice',
  });
  assert.equal(signUp.name, 'Alice');
  assert.equal(signUp.verified, false);
  assert.equal(signUp.password, undefined);
  assert.equal(signUp.tokenKey, undefined);
  const mismatch = await rejectsWith(alice.collection('users').create({
    email: 'x@example.com', password: 'one password', passwordConfirm: 'another one',
  }));
  assert.equal(mismatch.status, 400);
  assert.ok(mismatch.response.data?.passwordConfirm);

  const aliceAuth = await alice.collection('users').authWithPassword('alice@example.com', 'alice password 1');
  assert.equal(aliceAuth.record.id, signUp.id);
  assert.equal(aliceAuth.record.email, 'alice@example.com', 'the owner always sees its email');
  assert.equal(alice.authStore.record?.id, signUp.id);
  assert.equal(alice.authStore.isSuperuser, false);
  const refreshed = await alice.collection('users').authRefresh();
  assert.equal(refreshed.record.id, signUp.id);
  assert.equal(alice.authStore.token, refreshed.token);
  assert.equal(alice.authStore.isValid, true);
  assert.equal((await rejectsWith(client(url).collection('users').authWithPassword('alice@example.com', 'wrong'))).status, 400);
  assert.equal((await rejectsWith(client(url).collection('users').authRefresh())).status, 401);

  const bob = client(url);
  await bob.collection('users').create({ email: 'bob@example.com', password: 'bob password 1', passwordConfirm: 'bob password 1' });
  await bob.collection('users').authWithPassword('bob@example.com', 'bob password 1');

  // --- rules ----------------------------------------------------------------------------------
  const guest = client(url);
  const hidden = created[4]!; // post 5, not published, no owner
  const guestList = await guest.collection('posts').getFullList({ sort: 'created' });
  assert.ok(guestList.length > 0);
  assert.ok(guestList.every((r) => r.published === true), 'a guest sees only published posts');
  assert.equal((await rejectsWith(guest.collection('posts').getOne(hidden.id))).status, 404);
  assert.equal((await rejectsWith(guest.collection('posts').create({ title: 'guest post' }))).status, 400);
  assert.equal((await rejectsWith(guest.collection('users').getOne(signUp.id))).status, 404);

  const draft = await alice.collection('posts').create({ title: 'alice draft', published: false, owner: signUp.id });
  assert.equal((await alice.collection('posts').getOne(draft.id)).title, 'alice draft');
  assert.ok((await alice.collection('posts').getFullList()).some((r) => r.id === draft.id));
  assert.equal((await rejectsWith(bob.collection('posts').getOne(draft.id))).status, 404);
  assert.ok(!(await bob.collection('posts').getFullList()).some((r) => r.id === draft.id));
  assert.equal((await rejectsWith(bob.collection('posts').update(draft.id, { title: 'hijacked' }))).status, 404);
  assert.equal((await rejectsWith(bob.collection('posts').create({ title: 'as alice', owner: signUp.id }))).status, 400);
  assert.equal((await alice.collection('posts').update(draft.id, { published: true })).published, true);
  assert.equal((await guest.collection('posts').getOne(draft.id)).title, 'alice draft');

  // The users collection shows each user only itself.
  const seenByBob = await bob.collection('users').getFullList();
  assert.deepEqual(seenByBob.map((u) => u.email), ['bob@example.com']);
  assert.equal((await rejectsWith(bob.collection('users').getOne(signUp.id))).status, 404);
  // authors has a null createRule: only superusers may create.
  assert.equal((await rejectsWith(alice.collection('authors').create({ name: 'Eve' }))).status, 403);

  // The SDK keeps its auth store in sync when the owner updates or deletes its own record.
  await alice.collection('users').update(signUp.id, { name: 'Alice B.' });
  assert.equal(alice.authStore.record?.name, 'Alice B.');
  await alice.collection('users').delete(signUp.id);
  assert.equal(alice.authStore.isValid, false);
  assert.equal((await rejectsWith(admin.collection('users').getOne(signUp.id))).status, 404);
});
