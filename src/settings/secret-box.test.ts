import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SecretBox, isEncrypted } from './secret-box.js';

test('secrets round-trip, differ per encryption and fail with another key or when altered', () => {
  const box = new SecretBox('key one');
  const a = box.encrypt('p@ss');
  const b = box.encrypt('p@ss');
  assert.ok(isEncrypted(a));
  assert.notEqual(a, b);
  assert.equal(box.decrypt(a), 'p@ss');
  assert.throws(() => new SecretBox('key two').decrypt(a));
  const tampered = a.slice(0, -4) + (a.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  assert.throws(() => box.decrypt(tampered));
  assert.equal(box.decrypt('plain'), 'plain');
});
