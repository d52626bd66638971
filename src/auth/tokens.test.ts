import assert from 'node:assert/strict';
import { test } from 'node:test';
import { peekClaims, signToken, signingKey, verifyToken } from './tokens.js';

const key = signingKey('record-token-key', 'collection-secret');

test('signed auth tokens verify with the same key and carry PocketBase claims', async () => {
  const token = await signToken({ id: 'abc', type: 'auth', collectionId: 'pbc_1', refreshable: true }, key, 60);
  const claims = await verifyToken(token, key, 'auth');
  assert.equal(claims?.id, 'abc');
  assert.equal(claims?.collectionId, 'pbc_1');
  assert.equal(claims?.refreshable, true);
  assert.ok(claims && claims.exp > Date.now() / 1000);
  assert.deepEqual(peekClaims(token), claims);
});

test('another key, another type, expiry or garbage fail verification', async () => {
  const token = await signToken({ id: 'abc', type: 'auth', collectionId: 'pbc_1' }, key, 60);
  assert.equal(await verifyToken(token, signingKey('rotated', 'collection-secret'), 'auth'), undefined);
  assert.equal(await verifyToken(token, key, 'file'), undefined);
  const expired = await signToken({ id: 'abc', type: 'auth', collectionId: 'pbc_1' }, key, -120);
  assert.equal(await verifyToken(expired, key, 'auth'), undefined);
  for (const bad of ['', 'x', 'a.b.c', `${token}x`]) {
    assert.equal(await verifyToken(bad, key, 'auth'), undefined);
  }
  assert.equal(peekClaims('a.b.c'), undefined);
  assert.equal(peekClaims('not a token'), undefined);
});
