import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeDifference, normaliseBody } from './compare-responses.js';

test('normaliseBody replaces only the named keys, at any depth, escapes included', () => {
  const body = Buffer.from('{"id":"abc","title":"say \\"id\\":\\"x\\"","owner":"u1","expand":{"owner":{"id":"u1","created":"2024"}},"created":"t"}');
  assert.equal(
    normaliseBody(body, ['id', 'created']).toString(),
    '{"id":"<generated>","title":"say \\"id\\":\\"x\\"","owner":"u1","expand":{"owner":{"id":"<generated>","created":"<generated>"}},"created":"<generated>"}',
  );
});

test('normaliseBody leaves the bytes alone without keys, and non-string values always', () => {
  const body = Buffer.from('{"views":3,"token":"a.b.c"}');
  assert.equal(normaliseBody(body, undefined), body);
  assert.equal(normaliseBody(body, ['views', 'token']).toString(), '{"views":3,"token":"<generated>"}');
});

test('describeDifference points at the first differing byte', () => {
  assert.match(describeDifference(Buffer.from('{"a":1}'), Buffer.from('{"a":2}')), /at byte 5 \(lengths 7 vs 7\)/);
});
