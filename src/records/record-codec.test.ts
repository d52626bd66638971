import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Field } from '../core/schema.js';
import { castValue } from './record-cast.js';
import { decodeValue, encodeValue } from './record-codec.js';
import { normalizeDate, validateValue } from './record-validator.js';

const common = { id: 'f', system: false, hidden: false, presentable: false };
const multi: Field = { ...common, name: 'tags', type: 'select', values: ['a', 'b'], maxSelect: 2, required: false };
const single: Field = { ...common, name: 'one', type: 'relation', collectionId: 'c', cascadeDelete: false, minSelect: 0, maxSelect: 1, required: false };
const bool: Field = { ...common, name: 'b', type: 'bool', required: false };
const json: Field = { ...common, name: 'j', type: 'json', maxSize: 0, required: false };
const num: Field = { ...common, name: 'n', type: 'number', min: null, max: null, onlyInt: false, required: true };

test('codec: engine values decode to the API shape on both engines', () => {
  assert.deepEqual(decodeValue(multi, '["a","b"]'), ['a', 'b']); // SQLite JSON text
  assert.deepEqual(decodeValue(multi, ['a']), ['a']); // PostgreSQL JSONB
  assert.deepEqual(decodeValue(multi, null), []);
  assert.equal(decodeValue(bool, 1), true);
  assert.equal(decodeValue(bool, false), false);
  assert.equal(decodeValue(json, null), null);
  assert.deepEqual(decodeValue(json, '{"a":1}'), { a: 1 });
  assert.equal(decodeValue(single, null), '');
  assert.equal(encodeValue(multi, ['a']), '["a"]');
  assert.equal(encodeValue(json, null), null);
  assert.equal(encodeValue(json, 'x'), '"x"');
  assert.equal(encodeValue(bool, true), true);
});

test('cast: body values become the field type like PocketBase', () => {
  assert.equal(castValue(num, '12.5'), 12.5);
  assert.equal(castValue(num, ''), 0);
  assert.equal(castValue(num, 'abc'), undefined);
  assert.equal(castValue(bool, 'true'), true);
  assert.equal(castValue(bool, 'maybe'), undefined);
  assert.deepEqual(castValue(multi, 'a'), ['a']);
  assert.deepEqual(castValue(multi, ['a', 'a', '', 'b']), ['a', 'b']);
  assert.equal(castValue(single, ['x', 'y']), 'y');
  assert.deepEqual(castValue(json, '[1]'), [1]);
  assert.equal(castValue(json, 'plain'), 'plain');
  assert.equal(castValue(multi, [{}]), undefined);
});

test('validator: required zero values and dates', () => {
  assert.equal(validateValue(num, 0)?.code, 'validation_required');
  assert.equal(validateValue(num, 1), undefined);
  assert.equal(normalizeDate('2024-01-02'), '2024-01-02 00:00:00.000Z');
  assert.equal(normalizeDate('2024-01-02T03:04:05+02:00'), '2024-01-02 01:04:05.000Z');
  assert.equal(normalizeDate('2024-01-02 03:04:05.123Z'), '2024-01-02 03:04:05.123Z');
  assert.equal(normalizeDate(''), '');
  assert.equal(normalizeDate('2024-13-45'), undefined);
  assert.equal(normalizeDate('soon'), undefined);
});
