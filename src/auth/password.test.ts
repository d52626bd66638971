import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword, verifyPassword, verifyPasswordOrDummy } from './password.js';

test('passwords are argon2id with OWASP parameters and verify', async () => {
  const hash = await hashPassword('correct horse');
  assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.equal(await verifyPassword(hash, 'correct horse'), true);
  assert.equal(await verifyPassword(hash, 'wrong'), false);
  assert.equal(await verifyPassword('not-a-hash', 'x'), false);
  assert.equal(await verifyPassword('$argon2id$broken', 'x'), false);
  assert.equal(await verifyPasswordOrDummy(undefined, 'anything'), false);
  assert.equal(await verifyPasswordOrDummy(hash, 'correct horse'), true);
});
