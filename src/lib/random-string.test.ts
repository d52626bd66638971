import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomBelow, randomRecordId, randomString } from './random-string.js';

test('record ids are 15 chars of [a-z0-9] and do not repeat', () => {
  const seen = new Set<string>();
  // Enough draws to cross several refills of the 4 KiB byte pool.
  for (let i = 0; i < 5000; i++) {
    const id = randomRecordId();
    assert.match(id, /^[a-z0-9]{15}$/);
    seen.add(id);
  }
  assert.equal(seen.size, 5000);
});

test('randomString uses only the alphabet, at the asked length, every letter reachable', () => {
  assert.equal(randomString(0), '');
  assert.match(randomString(50), /^[A-Za-z0-9]{50}$/);
  const counts = new Map<string, number>();
  for (const ch of randomString(20_000, 'abc')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  assert.deepEqual([...counts.keys()].sort(), ['a', 'b', 'c']);
  // Rejection sampling keeps letters even: each of 3 gets about a third (bound far from flaky).
  for (const n of counts.values()) assert.ok(n > 5000 && n < 8500, String(n));
});

test('randomBelow stays in [0, n) and reaches every value', () => {
  for (const n of [1, 2, 3, 36, 62, 1000, 65536]) {
    for (let i = 0; i < 200; i++) {
      const v = randomBelow(n);
      assert.ok(Number.isInteger(v) && v >= 0 && v < n, `${v} for ${n}`);
    }
  }
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) seen.add(randomBelow(7));
  assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4, 5, 6]);
});
