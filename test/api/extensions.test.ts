/** Galley's extensions on the records API: idempotency keys, ETags, OpenAPI and the docs page. */
import assert from 'node:assert/strict';
import { eachAppDialect } from '../http/test-app.js';
import { createFixtureCollections, dataSnapshot } from './api-fixture.js';

const P = '/api/collections/posts/records';

eachAppDialect('Idempotency-Key on record writes and batch: replay, 422 on another payload, scoped by requester', async (t) => {
  await createFixtureCollections(t);
  const key = { 'idempotency-key': '"k-1"' };
  const first = await t.call('POST', P, { body: { title: 'once' }, headers: key });
  assert.equal(first.status, 200);
  const again = await t.call('POST', P, { body: { title: 'once' }, headers: key });
  assert.equal(again.status, 200);
  assert.equal(again.body.id, first.body.id);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(again.headers.get('etag'), '"1"');
  const count = await t.app.db.get('SELECT COUNT(*) AS n FROM "posts"');
  assert.equal(Number(count?.n), 1);

  const other = await t.call('POST', P, { body: { title: 'different' }, headers: key });
  assert.equal(other.status, 422);

  // A guest using the same key is another scope: it runs.
  const guest = await t.call('POST', P, { body: { title: 'once' }, headers: key, token: null });
  assert.equal(guest.status, 200);
  assert.notEqual(guest.body.id, first.body.id);

  const batchBody = { requests: [{ method: 'POST', url: P, body: { title: 'batched' } }] };
  const b1 = await t.call('POST', '/api/batch', { body: batchBody, headers: { 'idempotency-key': 'b-1' } });
  const b2 = await t.call('POST', '/api/batch', { body: batchBody, headers: { 'idempotency-key': 'b-1' } });
  assert.equal(b1.status, 200);
  assert.deepEqual(b2.body, b1.body);

  const del1 = await t.call('DELETE', `${P}/${first.body.id}`, { headers: { 'idempotency-key': 'd-1' } });
  const del2 = await t.call('DELETE', `${P}/${first.body.id}`, { headers: { 'idempotency-key': 'd-1' } });
  assert.equal(del1.status, 204);
  assert.equal(del2.status, 204, 'the replay answers like the first delete, not 404');
});

eachAppDialect('ETags follow the record version across update, and a stale If-Match changes nothing', async (t) => {
  await createFixtureCollections(t);
  const created = await t.call('POST', P, { body: { title: 'v1' } });
  assert.equal(created.headers.get('etag'), '"1"');
  const id = created.body.id;
  const updated = await t.call('PATCH', `${P}/${id}`, { body: { title: 'v2' }, headers: { 'if-match': '"1"' } });
  assert.equal(updated.headers.get('etag'), '"2"');
  const viewed = await t.call('GET', `${P}/${id}`);
  assert.equal(viewed.headers.get('etag'), '"2"');
  assert.equal((await t.call('GET', `${P}/${id}`, { headers: { 'if-none-match': '"1", "2"' } })).status, 304);
  const before = await dataSnapshot(t);
  const stale = await t.call('PATCH', `${P}/${id}`, { body: { title: 'lost update' }, headers: { 'if-match': '"1"' } });
  assert.equal(stale.status, 412);
  assert.equal(stale.body.status, 412);
  assert.equal(await dataSnapshot(t), before);
  assert.equal((await t.call('DELETE', `${P}/${id}`, { headers: { 'if-match': '"1"' } })).status, 412);
  assert.equal((await t.call('DELETE', `${P}/${id}`, { headers: { 'if-match': '*' } })).status, 204);
});

eachAppDialect('OpenAPI document (superusers outside dev) follows schema changes; docs page with its own CSP', async (t) => {
  assert.equal((await t.call('GET', '/api/openapi.json', { token: null })).status, 401);
  const before = await t.call('GET', '/api/openapi.json');
  assert.equal(before.status, 200);
  assert.equal(before.body.openapi, '3.1.0');
  assert.equal(before.body.paths['/api/collections/posts/records'], undefined);
  await createFixtureCollections(t);
  const after = await t.call('GET', '/api/openapi.json');
  assert.ok(after.body.paths['/api/collections/posts/records'], 'a new collection appears at once');

  const res = await fetch(`${t.url}/api/docs`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  const csp = res.headers.get('content-security-policy') ?? '';
  assert.match(csp, /script-src 'sha256-/);
  assert.doesNotMatch(csp, /unsafe-eval|script-src[^;]*unsafe-inline/);
  assert.match(await res.text(), /\/api\/openapi\.json/);
});
