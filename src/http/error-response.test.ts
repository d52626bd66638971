import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toApiError } from './error-response.js';

// Regression: a NUL byte in any text parameter made PostgreSQL fail with 22021 and the route
// answered 500; text the database refuses is the client's mistake, whatever route passed it.
test('text the database refuses is a 400, not a 500', () => {
  const err = Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
  const { error, unexpected } = toApiError(err);
  assert.equal(error.status, 400);
  assert.equal(unexpected, false);
  assert.doesNotMatch(JSON.stringify(error.toJSON()), /UTF8|0x00/);
});

test('a busy database is a 503 and unknown failures a bare 500', () => {
  assert.equal(toApiError(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })).error.status, 503);
  const { error, unexpected } = toApiError(new Error('SELECT secret FROM x'));
  assert.equal(error.status, 500);
  assert.equal(unexpected, true);
  assert.doesNotMatch(JSON.stringify(error.toJSON()), /SELECT/);
});
