import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LruCache } from './lru-cache.js';

test('evicts the least recently used entry', () => {
  const evicted: string[] = [];
  const c = new LruCache<string, number>(2, (_v, k) => evicted.push(k));
  c.set('a', 1);
  c.set('b', 2);
  assert.equal(c.get('a'), 1);
  c.set('c', 3);
  assert.deepEqual(evicted, ['b']);
  assert.equal(c.get('b'), undefined);
  assert.equal(c.get('a'), 1);
  assert.equal(c.get('c'), 3);
  assert.equal(c.size, 2);
});

test('rejects a non-positive size', () => {
  assert.throws(() => new LruCache(0), RangeError);
});

test('stays bounded when every entry is hot', () => {
  const c = new LruCache<number, number>(3);
  for (let i = 0; i < 100; i++) {
    c.set(i, i);
    for (let j = 0; j <= i; j++) c.get(j);
    assert.ok(c.size <= 3);
  }
  assert.equal(c.get(99), 99);
});

test('set on an existing key replaces the value without growing', () => {
  const c = new LruCache<string, number>(2);
  c.set('a', 1);
  c.set('a', 2);
  assert.equal(c.size, 1);
  assert.equal(c.get('a'), 2);
});
