import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryDelayMs } from './backoff.js';

const backoff = { baseMs: 100, maxMs: 1000 };

test('retry delays double per attempt within [exp/2, exp] and stop growing at maxMs', () => {
  assert.equal(retryDelayMs(1, backoff, () => 0), 50);
  assert.equal(retryDelayMs(1, backoff, () => 1), 100);
  assert.equal(retryDelayMs(2, backoff, () => 0), 100);
  assert.equal(retryDelayMs(3, backoff, () => 1), 400);
  assert.equal(retryDelayMs(10, backoff, () => 1), 1000);
  assert.equal(retryDelayMs(10, backoff, () => 0), 500);
});

test('below the cap, with any jitter, a later attempt never waits less than an earlier one', () => {
  for (let attempt = 1; backoff.baseMs * 2 ** attempt <= backoff.maxMs; attempt++) {
    const latestOfThis = retryDelayMs(attempt, backoff, () => 1);
    const earliestOfNext = retryDelayMs(attempt + 1, backoff, () => 0);
    assert.ok(earliestOfNext >= latestOfThis, `attempt ${attempt}`);
  }
});
