import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactUrl } from './redact-url.js';

test('redactUrl hides the password and keeps the rest', () => {
  assert.equal(redactUrl('redis://user:s3cret@host:6380/2'), 'redis://user:***@host:6380/2');
  assert.equal(redactUrl('redis://:s3cret@host'), 'redis://:***@host');
  assert.equal(redactUrl('postgres://postgres@127.0.0.1:5432/test'), 'postgres://postgres@127.0.0.1:5432/test');
});

test('redactUrl never echoes a string that is not a URL', () => {
  assert.equal(redactUrl('s3cret-without-scheme'), '<invalid url>');
});
