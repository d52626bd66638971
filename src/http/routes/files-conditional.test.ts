import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notModified, parseRange, rangeStillValid } from './files-conditional.js';

test('single byte ranges', () => {
  assert.deepEqual(parseRange(undefined, 100), { kind: 'full' });
  assert.deepEqual(parseRange('bytes=0-9', 100), { kind: 'partial', start: 0, end: 9 });
  assert.deepEqual(parseRange('bytes=90-', 100), { kind: 'partial', start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-10', 100), { kind: 'partial', start: 90, end: 99 });
  assert.deepEqual(parseRange('bytes=-500', 100), { kind: 'partial', start: 0, end: 99 });
  assert.deepEqual(parseRange('bytes=50-5000', 100), { kind: 'partial', start: 50, end: 99 });
  assert.deepEqual(parseRange('bytes=100-', 100), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=-0', 100), { kind: 'unsatisfiable' });
  // ignored: several ranges, other units, reversed bounds, garbage
  for (const h of ['bytes=0-1,5-6', 'items=0-1', 'bytes=9-1', 'bytes=abc', 'bytes=-']) assert.deepEqual(parseRange(h, 100), { kind: 'full' }, h);
});

test('304 decisions: If-None-Match wins, dates compare by second', () => {
  const modified = new Date('2026-01-02T03:04:05.678Z');
  assert.equal(notModified({ 'if-none-match': '"a", "b"' }, '"b"', modified), true);
  assert.equal(notModified({ 'if-none-match': 'W/"b"' }, '"b"', modified), true);
  assert.equal(notModified({ 'if-none-match': '"c"', 'if-modified-since': modified.toUTCString() }, '"b"', modified), false);
  assert.equal(notModified({ 'if-modified-since': modified.toUTCString() }, '"b"', modified), true);
  assert.equal(notModified({ 'if-modified-since': new Date(modified.getTime() - 2000).toUTCString() }, '"b"', modified), false);
  assert.equal(notModified({ 'if-modified-since': 'garbage' }, '"b"', modified), false);
});

test('If-Range keeps a range only while the validator matches', () => {
  const modified = new Date('2026-01-02T03:04:05Z');
  assert.equal(rangeStillValid(undefined, '"e"', modified), true);
  assert.equal(rangeStillValid('"e"', '"e"', modified), true);
  assert.equal(rangeStillValid('"x"', '"e"', modified), false);
  assert.equal(rangeStillValid(modified.toUTCString(), '"e"', modified), true);
});
