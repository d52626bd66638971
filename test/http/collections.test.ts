import assert from 'node:assert/strict';
import { eachAppDialect } from './test-app.js';

eachAppDialect('collections CRUD through the API, PocketBase shapes, no secrets', async ({ call }) => {
  assert.equal((await call('GET', '/api/collections', { token: null })).status, 401);

  const created = await call('POST', '/api/collections', {
    body: { name: 'posts', fields: [{ name: 'title', type: 'text', required: true }], listRule: '' },
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const posts = created.body;
  assert.equal(posts.name, 'posts');
  assert.equal(posts.type, 'base');
  assert.equal(posts.listRule, '');
  assert.equal(posts.viewRule, null);
  assert.ok(posts.fields.some((f: { name: string }) => f.name === 'id'));
  assert.ok(posts.fields.some((f: { name: string }) => f.name === 'title'));

  const invalid = await call('POST', '/api/collections', { body: { name: 'posts' } });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.body.data.name.code, 'validation_collection_name_exists');

  const viewed = await call('GET', `/api/collections/${posts.id}`);
  assert.equal(viewed.status, 200);
  assert.equal(viewed.body.name, 'posts');
  assert.equal((await call('GET', '/api/collections/POSTS')).body.id, posts.id, 'names match case-insensitively');

  const list = await call('GET', '/api/collections?page=1&perPage=1&sort=-created');
  assert.equal(list.status, 200);
  assert.equal(list.body.perPage, 1);
  assert.equal(list.body.items.length, 1);
  assert.ok(list.body.totalItems >= 2);
  assert.equal(list.body.totalPages, list.body.totalItems);
  const skip = await call('GET', '/api/collections?perPage=5000&skipTotal=1');
  assert.equal(skip.body.perPage, 1000, 'perPage clamped and echoed');
  assert.equal(skip.body.totalItems, -1);
  assert.equal(skip.body.totalPages, -1);
  const filtered = await call('GET', `/api/collections?filter=${encodeURIComponent("name = 'posts'")}`);
  assert.deepEqual(filtered.body.items.map((c: { name: string }) => c.name), ['posts']);
  const picked = await call('GET', `/api/collections?fields=id,name&filter=${encodeURIComponent("name = 'posts'")}`);
  assert.deepEqual(picked.body.items, [{ id: posts.id, name: 'posts' }]);

  // Auth collections never show token secrets.
  const superusers = await call('GET', '/api/collections/_superusers');
  assert.equal(superusers.status, 200);
  assert.ok(superusers.body.authToken);
  assert.equal(superusers.body.authToken.secret, undefined);
  assert.doesNotMatch(JSON.stringify(superusers.body), /"secret"/);
  assert.doesNotMatch(JSON.stringify((await call('GET', '/api/collections?perPage=500')).body), /"secret"/);

  const updated = await call('PATCH', '/api/collections/posts', {
    body: { viewRule: '', fields: [...posts.fields, { name: 'body', type: 'editor' }] },
  });
  assert.equal(updated.status, 200, JSON.stringify(updated.body));
  assert.equal(updated.body.viewRule, '');
  assert.ok(updated.body.fields.some((f: { name: string }) => f.name === 'body'));

  const scaffolds = await call('GET', '/api/collections/meta/scaffolds');
  assert.equal(scaffolds.status, 200);
  assert.deepEqual(Object.keys(scaffolds.body).sort(), ['auth', 'base', 'view']);
  assert.doesNotMatch(JSON.stringify(scaffolds.body), /"secret"/);

  assert.equal((await call('DELETE', '/api/collections/posts/truncate')).status, 204);
  const deleted = await call('DELETE', '/api/collections/posts');
  assert.equal(deleted.status, 204);
  assert.equal(deleted.body, null);
  assert.equal((await call('GET', '/api/collections/posts')).status, 404);
  assert.equal((await call('DELETE', '/api/collections/posts')).status, 404);
});

eachAppDialect('collections import creates, updates and (with deleteMissing) removes', async ({ call }) => {
  assert.equal((await call('PUT', '/api/collections/import', { body: { collections: [] } })).status, 400);
  const res = await call('PUT', '/api/collections/import', {
    body: { collections: [{ name: 'tags', fields: [{ name: 'label', type: 'text' }] }, { name: 'notes' }], deleteMissing: false },
  });
  assert.equal(res.status, 204, JSON.stringify(res.body));
  assert.equal((await call('GET', '/api/collections/tags')).status, 200);
  assert.equal((await call('GET', '/api/collections/notes')).status, 200);
});
