import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Collection, Field } from '../core/schema.js';
import { castValue } from './record-cast.js';
import { decodeValue, encodeValue, rowDecoder, valuesDecoder } from './record-codec.js';
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

test('rowDecoder: a record in API shape, keys in collection order, every field type decoded, nothing else copied', () => {
  const text: Field = { ...common, name: 'title', type: 'text', min: 0, max: 0, pattern: '', autogeneratePattern: '', primaryKey: false, required: false } as Field;
  const quoted: Field = { ...text, name: 'with"quote' } as Field;
  const geo: Field = { ...common, name: 'where', type: 'geoPoint', required: false } as Field;
  const id: Field = { ...text, name: 'id', primaryKey: true } as Field;
  const collection = { id: 'pbc_1', name: 'things', type: 'base', fields: [id, text, num, bool, json, multi, single, geo, quoted] } as unknown as Collection;
  const row = { id: 'r1', title: 7, n: '3.5', b: 1, j: '{"a":[1]}', tags: '["a"]', one: null, where: null, 'with"quote': 'q', extra: 'not a field' };
  const decoded = rowDecoder(collection)(row);
  for (const field of collection.fields) assert.deepEqual(decoded[field.name], decodeValue(field, row[field.name as keyof typeof row]), field.name);
  assert.deepEqual(Object.keys(decoded), ['collectionId', 'collectionName', 'id', 'title', 'n', 'b', 'j', 'tags', 'one', 'where', 'with"quote']);
  assert.deepEqual(decoded, {
    collectionId: 'pbc_1',
    collectionName: 'things',
    ...{ id: 'r1', title: '7', n: 3.5, b: true, j: { a: [1] }, tags: ['a'], one: '', where: { lon: 0, lat: 0 }, 'with"quote': 'q' },
  });
  // Cached per collection object; every record a fresh object.
  assert.equal(rowDecoder(collection), rowDecoder(collection));
  assert.notEqual(rowDecoder(collection)(row), rowDecoder(collection)(row));
});

test('valuesDecoder: a row read as values decodes as rowDecoder decodes the same row; unselected fields as missing columns', () => {
  const text: Field = { ...common, name: 'title', type: 'text', min: 0, max: 0, pattern: '', autogeneratePattern: '', primaryKey: false, required: false } as Field;
  const id: Field = { ...text, name: 'id', primaryKey: true } as Field;
  const geo: Field = { ...common, name: 'where', type: 'geoPoint', required: false } as Field;
  const fields = [id, text, num, bool, json, multi, single, geo];
  const collection = { id: 'pbc_1', name: 'things', type: 'base', fields } as unknown as Collection;
  const row: Record<string, unknown> = { id: 'r1', title: 7, n: '3.5', b: 1, j: '{"a":[1]}', tags: '["a"]', one: null, where: '{"lon":1,"lat":2}' };
  const names = fields.map((f) => f.name);
  const all = valuesDecoder(collection, names);
  const decoded = all([...names.map((n) => row[n]), 4]);
  assert.deepEqual(decoded, rowDecoder(collection)(row));
  assert.deepEqual(Object.keys(decoded), Object.keys(rowDecoder(collection)(row)));
  // Fewer columns, in another order: the missing ones decode like absent object keys.
  const some = valuesDecoder(collection, ['n', 'id']);
  const partial = { id: 'r1', n: '3.5' };
  assert.deepEqual(some(['3.5', 'r1']), rowDecoder(collection)(partial));
  assert.equal(valuesDecoder(collection, names), all);
  assert.notEqual(valuesDecoder(collection, ['n', 'id']), all);
  // The loop (no generated code for a `__proto__` field) reads positions the same way.
  const odd = { id: 'c', name: 'odd', type: 'base', fields: [{ ...text, name: '__proto__' }, text] } as unknown as Collection;
  assert.deepEqual(valuesDecoder(odd, ['title'])(['t']), rowDecoder(odd)({ title: 't' }));
});

test('rowDecoder: a field named like Object.prototype members stays an own key', () => {
  const field = (name: string): Field => ({ ...common, name, type: 'text', min: 0, max: 0, pattern: '', autogeneratePattern: '', primaryKey: false, required: false }) as Field;
  for (const names of [['constructor', 'toString'], ['__proto__', 'x']]) {
    const collection = { id: 'c', name: 'odd', type: 'base', fields: names.map(field) } as unknown as Collection;
    const decoded = rowDecoder(collection)(Object.fromEntries(names.map((n) => [n, `v-${n}`])));
    for (const n of names.filter((x) => x !== '__proto__')) assert.ok(Object.hasOwn(decoded, n) && decoded[n] === `v-${n}`, n);
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
  }
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
