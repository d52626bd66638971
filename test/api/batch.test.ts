/** Scenario table for `POST /api/batch`, plus the settings that switch and bound it. */
import assert from 'node:assert/strict';
import { eachAppDialect } from '../http/test-app.js';
import { createFixtureCollections, createFixtureUser, dataSnapshot, seedRecords } from './api-fixture.js';
import { runScenario } from './scenario.js';
import type { Scenario } from './scenario.js';

const P = '/api/collections/posts/records';
const batch = (requests: unknown[]): { requests: unknown[] } => ({ requests });

export const batchScenarios: Scenario[] = [
  {
    name: 'batch create, update, upsert, delete',
    method: 'POST',
    url: '/api/batch',
    body: batch([
      { method: 'POST', url: `${P}?fields=title`, body: { title: 'b1' } },
      { method: 'PATCH', url: `${P}/{post}`, body: { 'views+': 1 } },
      { method: 'PUT', url: P, body: { id: '{post}', title: 'upserted' } },
      { method: 'PUT', url: P, body: { id: 'newupsertid0001', title: 'created by upsert' } },
      { method: 'DELETE', url: '/api/collections/secrets/records/{secret}' },
    ]),
    expectedStatus: 200,
    expectedContent: ['{"status":200,"body":{"title":"b1"}}', '"views":2', '"title":"upserted"', '"id":"newupsertid0001"', '{"status":204,"body":null}'],
    expectedEvents: ['create:posts', 'update:posts', 'update:posts', 'create:posts', 'delete:secrets'],
  },
  {
    name: 'batch multipart @jsonPayload (as the SDK sends it)',
    method: 'POST',
    url: '/api/batch',
    form: [['@jsonPayload', JSON.stringify(batch([{ method: 'POST', url: `${P}?expand=author`, body: { title: 'sdk', author: '{user}' } }]))]],
    expectedStatus: 200,
    expectedContent: ['"title":"sdk"', '"expand":{"author":'],
    expectedEvents: ['create:posts'],
  },
  {
    name: 'batch rolls back when a later request fails',
    method: 'POST',
    url: '/api/batch',
    body: batch([
      { method: 'POST', url: P, body: { title: 'rolled back' } },
      { method: 'PATCH', url: `${P}/missing123`, body: { title: 'x' } },
    ]),
    expectedStatus: 400,
    expectedContent: ['Batch transaction failed.', '"1":{"code":"batch_request_failed"', '"response":{"status":404'],
  },
  {
    name: 'batch field error inside',
    method: 'POST',
    url: '/api/batch',
    body: batch([{ method: 'POST', url: P, body: { title: 'x'.repeat(200) } }]),
    expectedStatus: 400,
    expectedContent: ['"0":{"code":"batch_request_failed"', 'validation_max_text_constraint'],
  },
  {
    name: 'batch rules apply to the outer requester',
    method: 'POST',
    url: '/api/batch',
    as: 'guest',
    body: batch([{ method: 'POST', url: '/api/collections/secrets/records', headers: { Authorization: 'ignored' }, body: { value: 'x' } }]),
    expectedStatus: 400,
    expectedContent: ['"response":{"status":403'],
  },
  {
    name: 'batch If-Match stale inside',
    method: 'POST',
    url: '/api/batch',
    body: batch([{ method: 'PATCH', url: `${P}/{post}`, headers: { 'If-Match': '"5"' }, body: { title: 'x' } }]),
    expectedStatus: 400,
    expectedContent: ['"response":{"status":412'],
  },
  { name: 'batch action not allowed (GET)', method: 'POST', url: '/api/batch', body: batch([{ method: 'GET', url: P }]), expectedStatus: 400 },
  { name: 'batch action not allowed (other route)', method: 'POST', url: '/api/batch', body: batch([{ method: 'POST', url: '/api/collections' }]), expectedStatus: 400 },
  { name: 'batch POST with an id', method: 'POST', url: '/api/batch', body: batch([{ method: 'POST', url: `${P}/{post}` }]), expectedStatus: 400 },
  { name: 'batch PATCH without an id', method: 'POST', url: '/api/batch', body: batch([{ method: 'PATCH', url: P }]), expectedStatus: 400 },
  { name: 'batch item not an object', method: 'POST', url: '/api/batch', body: batch([1]), expectedStatus: 400 },
  { name: 'batch item body not an object', method: 'POST', url: '/api/batch', body: batch([{ method: 'POST', url: P, body: [1] }]), expectedStatus: 400 },
  { name: 'batch empty', method: 'POST', url: '/api/batch', body: batch([]), expectedStatus: 400, expectedContent: ['"requests":{"code":"validation_required"'] },
  { name: 'batch without requests', method: 'POST', url: '/api/batch', body: {}, expectedStatus: 400 },
  { name: 'batch requests not an array', method: 'POST', url: '/api/batch', body: { requests: 'x' }, expectedStatus: 400 },
  { name: 'batch broken JSON', method: 'POST', url: '/api/batch', raw: '{"requests":[', expectedStatus: 400 },
  { name: 'batch broken @jsonPayload', method: 'POST', url: '/api/batch', form: [['@jsonPayload', '{nope']], expectedStatus: 400 },
  { name: 'batch unknown collection', method: 'POST', url: '/api/batch', body: batch([{ method: 'POST', url: '/api/collections/missing/records', body: {} }]), expectedStatus: 400, expectedContent: ['"response":{"status":404'] },
  // A file part under a key that is no file field is ignored, as in PocketBase (batch uploads: test/files).
  { name: 'batch file part for a non-file key', method: 'POST', url: '/api/batch', form: [['@jsonPayload', JSON.stringify(batch([{ method: 'POST', url: P, body: {} }]))], ['requests.0.doc', new Blob(['x']), 'a.txt']], expectedStatus: 200, expectedEvents: ['create:posts'] },
];

eachAppDialect('batch API scenarios', async (t) => {
  await createFixtureCollections(t);
  const user = await createFixtureUser(t);
  for (const scenario of batchScenarios) {
    const fixture = await seedRecords(t, user);
    await runScenario(t, fixture, scenario);
  }
});

eachAppDialect('batch settings: disabled is 403, maxRequests is enforced', async (t) => {
  await createFixtureCollections(t);
  const one = batch([{ method: 'POST', url: P, body: { title: 'x' } }]);

  const limited = await t.call('PATCH', '/api/settings', { body: { batch: { enabled: true, maxRequests: 2 } } });
  assert.equal(limited.status, 200, JSON.stringify(limited.body));
  const before = await dataSnapshot(t);
  const tooMany = await t.call('POST', '/api/batch', { body: batch([...one.requests, ...one.requests, ...one.requests]) });
  assert.equal(tooMany.status, 400);
  assert.equal(tooMany.body.data.requests.code, 'validation_length_too_long');
  assert.equal(await dataSnapshot(t), before);
  assert.equal((await t.call('POST', '/api/batch', { body: batch([...one.requests, ...one.requests]) })).status, 200);

  assert.equal((await t.call('PATCH', '/api/settings', { body: { batch: { enabled: false } } })).status, 200);
  const disabled = await t.call('POST', '/api/batch', { body: one });
  assert.equal(disabled.status, 403);
  assert.equal(disabled.body.message, 'Batch requests are not allowed.');
});

eachAppDialect('batch: an item whose SQL fails (unique) rolls back the items before it and those after are not run', async (t) => {
  const created = await t.call('POST', '/api/collections', {
    body: {
      name: 'tags',
      fields: [{ name: 'name', type: 'text' }],
      indexes: ['CREATE UNIQUE INDEX `idx_tags_name` ON `tags` (`name`)'],
      createRule: '',
      listRule: '',
      updateRule: '',
    },
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const T = '/api/collections/tags/records';
  const kept = await t.call('POST', T, { body: { name: 'kept' } });
  const res = await t.call('POST', '/api/batch', {
    body: batch([
      { method: 'POST', url: T, body: { name: 'first' } },
      { method: 'PATCH', url: `${T}/${kept.body.id}`, body: { name: 'renamed' } },
      { method: 'POST', url: T, body: { name: 'first' } },
      { method: 'POST', url: T, body: { name: 'never' } },
    ]),
  });
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.data.requests['2'].code, 'batch_request_failed');
  assert.match(JSON.stringify(res.body.data.requests['2']), /validation_not_unique/);
  const names = (await t.call('GET', `${T}?sort=name`)).body.items.map((r: { name: string }) => r.name);
  assert.deepEqual(names, ['kept']);
  // The connection is clean afterwards: the same batch without the duplicate goes through.
  const ok = await t.call('POST', '/api/batch', { body: batch([{ method: 'POST', url: T, body: { name: 'first' } }, { method: 'PATCH', url: `${T}/${kept.body.id}`, body: { name: 'renamed' } }]) });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.deepEqual((await t.call('GET', `${T}?sort=name`)).body.items.map((r: { name: string }) => r.name), ['first', 'renamed']);
});
