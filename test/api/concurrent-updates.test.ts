/**
 * Concurrent updates of one record lose nothing on either database. On PostgreSQL an update
 * without hooks or files is either applied in place (`n+` in SQL, records/record-service.ts
 * `#updateInPlace`) or read without a lock and written only while the row is the version read
 * (`#updateUnlocked`); a change in between, from another update or from raw SQL, sends the latter
 * down the locking path. These requests collide on purpose.
 */
import assert from 'node:assert/strict';
import { eachAppDialect } from '../http/test-app.js';
import { createFixtureCollections } from './api-fixture.js';

eachAppDialect('concurrent `views+` updates of one record each count once', async (t) => {
  await createFixtureCollections(t);
  const created = await t.call('POST', '/api/collections/posts/records', { body: { title: 'hot', views: 0 } });
  assert.equal(created.status, 200);
  const id = String(created.body.id);
  const n = 40;
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      t.call('PATCH', `/api/collections/posts/records/${id}`, { body: i % 2 === 0 ? { 'views+': 1 } : { 'views+': 1, title: `hot ${i}` } }),
    ),
  );
  for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
  // Every update saw the one before it: the answers are 1..n, each once.
  assert.deepEqual(results.map((r) => r.body.views as number).sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i + 1));
  const final = await t.call('GET', `/api/collections/posts/records/${id}`);
  assert.equal(final.body.views, n);
  // Each write bumped the record's version once.
  assert.equal(final.headers.get('etag'), `"${n + 1}"`);
});

eachAppDialect('an update after a raw SQL change of the row applies to the changed row; If-Match still guards', async (t) => {
  await createFixtureCollections(t);
  const created = await t.call('POST', '/api/collections/posts/records', { body: { title: 'raw', views: 5 } });
  const id = String(created.body.id);
  // A write beside the API: no version bump, which is why the unlocked path compares the row itself.
  await t.app.db.run('UPDATE "posts" SET "views" = 100 WHERE "id" = ?', [id]);
  const bumped = await t.call('PATCH', `/api/collections/posts/records/${id}`, { body: { 'views+': 1 } });
  assert.equal(bumped.status, 200);
  assert.equal(bumped.body.views, 101);
  const stale = await t.call('PATCH', `/api/collections/posts/records/${id}`, { body: { 'views+': 1 }, headers: { 'if-match': '"1"' } });
  assert.equal(stale.status, 412);
  const missing = await t.call('PATCH', '/api/collections/posts/records/nope12345678901', { body: { 'views+': 1 } });
  assert.equal(missing.status, 404);
});
