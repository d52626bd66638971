/**
 * API keys: minted by superusers, shown once, stored as SHA-256, acting as their record through
 * the SDK (rules apply as for that record), kept to their scopes, expiring, and rejected once
 * revoked. Both databases.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { eachAppDialect } from '../http/test-app.js';
import { client, rejectsWith } from './auth-fixture.js';

eachAppDialect('an API key acts as its record within its scopes and stops once revoked', async (t) => {
  const notes = await t.call('POST', '/api/collections', {
    body: {
      name: 'notes',
      fields: [
        { name: 'text', type: 'text' },
        { name: 'owner', type: 'relation', collectionId: '_pb_users_auth_', maxSelect: 1 },
      ],
      listRule: 'owner = @request.auth.id',
      viewRule: 'owner = @request.auth.id',
      createRule: 'owner = @request.auth.id',
    },
  });
  assert.equal(notes.status, 200, JSON.stringify(notes.body));
  const user = await t.call('POST', '/api/collections/users/records', {
    body: { email: 'svc@example.com', password: 'svc password', passwordConfirm: 'svc password' },
    token: null,
  });
  const other = await t.call('POST', '/api/collections/users/records', {
    body: { email: 'other@example.com', password: 'other password', passwordConfirm: 'other password' },
    token: null,
  });
  await t.call('POST', '/api/collections/notes/records', { body: { text: 'mine', owner: user.body.id } });
  await t.call('POST', '/api/collections/notes/records', { body: { text: 'theirs', owner: other.body.id } });

  // Minting: superusers only, validated.
  const body = { name: 'billing sync', collection: 'users', recordId: user.body.id };
  assert.equal((await t.call('POST', '/api/apikeys', { body, token: null })).status, 401);
  const invalid = await t.call('POST', '/api/apikeys', { body: { name: '', collection: 'notes', recordId: 'nope', scopes: ['bad scope'] } });
  assert.equal(invalid.status, 400);
  assert.deepEqual(Object.keys(invalid.body.data).sort(), ['collection', 'name', 'scopes']);
  const minted = await t.call('POST', '/api/apikeys', { body });
  assert.equal(minted.status, 200, JSON.stringify(minted.body));
  const key = minted.body.key as string;
  assert.match(key, /^gk_[A-Za-z0-9]{32}$/);
  assert.deepEqual(minted.body.scopes, ['*']);
  assert.equal(minted.body.prefix, key.slice(0, 9));

  // Only the digest is stored; the list never shows the key.
  const row = await t.app.db.get<{ hash: string }>(`SELECT "hash" FROM "_apiKeys" WHERE "id" = ?`, [minted.body.id]);
  assert.equal(row?.hash, createHash('sha256').update(key).digest('hex'));
  const listed = await t.call('GET', '/api/apikeys');
  assert.equal(listed.body.items.length, 1);
  assert.equal(listed.body.items[0].key, undefined);
  assert.ok(!JSON.stringify(listed.body).includes(key));

  // Acting as the record, through the SDK's Authorization header.
  const pb = client(t.url);
  pb.authStore.save(key);
  const visible = await pb.collection('notes').getFullList();
  assert.deepEqual(visible.map((n) => n.text), ['mine'], "the record's rules apply");
  await pb.collection('notes').create({ text: 'from the key', owner: user.body.id });
  const asOther = await rejectsWith(pb.collection('notes').create({ text: 'spoof', owner: other.body.id }));
  assert.equal(asOther.status, 400);
  // A key is not a token: it cannot be refreshed into one, nor manage the record's second factor.
  assert.equal((await t.call('POST', '/api/collections/users/auth-refresh', { token: key })).status, 403);
  assert.equal((await t.call('POST', '/api/collections/users/totp/setup', { token: key })).status, 403);
  assert.notEqual((await t.call('GET', '/api/apikeys')).body.items[0].lastUsed, '');

  // Scopes: a read-only key lists but cannot write; a collection-scoped key only reaches its collection.
  const readOnly = (await t.call('POST', '/api/apikeys', { body: { ...body, name: 'reader', scopes: ['read'] } })).body.key as string;
  assert.equal((await t.call('GET', '/api/collections/notes/records', { token: readOnly })).status, 200);
  const write = await t.call('POST', '/api/collections/notes/records', { body: { text: 'x', owner: user.body.id }, token: readOnly });
  assert.equal(write.status, 403);
  const scoped = (await t.call('POST', '/api/apikeys', { body: { ...body, name: 'notes list', scopes: ['notes:list'] } })).body.key as string;
  assert.equal((await t.call('GET', '/api/collections/notes/records', { token: scoped })).status, 200);
  assert.equal((await t.call('GET', '/api/collections/users/records', { token: scoped })).status, 403);
  assert.equal((await t.call('GET', `/api/collections/notes/records/${user.body.id}`, { token: scoped })).status, 403);

  // Expiry.
  const expiring = await t.call('POST', '/api/apikeys', { body: { ...body, name: 'short', duration: 60 } });
  assert.equal((await t.call('GET', '/api/collections/notes/records', { token: expiring.body.key })).body.items.length, 2);
  await t.app.db.run(`UPDATE "_apiKeys" SET "expires" = ? WHERE "id" = ?`, [Date.now() - 1, expiring.body.id]);
  const expired = await t.call('GET', '/api/collections/notes/records', { token: expiring.body.key });
  assert.equal(expired.status, 200);
  assert.equal(expired.body.items.length, 0, 'an expired key is a guest');

  // Revoked: the key stops working at once and is listed as revoked.
  assert.equal((await t.call('DELETE', `/api/apikeys/${minted.body.id}`)).status, 204);
  assert.equal((await t.call('DELETE', '/api/apikeys/nope')).status, 404);
  assert.deepEqual((await pb.collection('notes').getFullList()).map((n) => n.text), [], 'a revoked key is a guest');
  const after = (await t.call('GET', '/api/apikeys')).body.items.find((k: { id: string }) => k.id === minted.body.id);
  assert.notEqual(after.revoked, '');
});
