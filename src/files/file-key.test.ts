import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApiError } from '../core/errors.js';
import { normalizeFileKey, normalizeFilePrefix } from './file-key.js';

test('keys are normalised to one spelling', () => {
  assert.equal(normalizeFileKey('col/rec/a.png'), 'col/rec/a.png');
  assert.equal(normalizeFileKey('col//rec/./a.png'), 'col/rec/a.png');
  assert.equal(normalizeFileKey('./col/rec/'), 'col/rec');
  assert.equal(normalizeFileKey('a..b/..c/d..'), 'a..b/..c/d..');
});

test('keys that could escape the root or confuse a backend are rejected with a 400', () => {
  const bad = ['', '.', './', '/etc/passwd', '../x', 'a/../../x', 'a/..', 'a\\..\\x', 'a\0b', 'a\nb', 'x'.repeat(1025)];
  for (const key of bad) {
    assert.throws(
      () => normalizeFileKey(key),
      (err: unknown) => isApiError(err) && err.status === 400,
      JSON.stringify(key),
    );
  }
  assert.throws(() => normalizeFileKey(42 as unknown as string), (err: unknown) => isApiError(err));
});

test('prefixes may be empty and keep a trailing slash', () => {
  assert.equal(normalizeFilePrefix(''), '');
  assert.equal(normalizeFilePrefix('a/b'), 'a/b');
  assert.equal(normalizeFilePrefix('a//b/'), 'a/b/');
  assert.equal(normalizeFilePrefix('./'), '');
  assert.throws(() => normalizeFilePrefix('../'));
  assert.throws(() => normalizeFilePrefix('/a'));
});
