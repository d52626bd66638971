import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Collection, Field } from '../core/schema.js';
import { inPlaceChanges } from './record-modifiers.js';

const common = { system: false, hidden: false, presentable: false, required: false };
const title: Field = { ...common, id: 'f1', name: 'title', type: 'text', min: 0, max: 0, pattern: '', autogeneratePattern: '[a-z]{4}', primaryKey: false };
const views: Field = { ...common, id: 'f2', name: 'views', type: 'number', min: null, max: null, onlyInt: false };
const tags: Field = { ...common, id: 'f3', name: 'tags', type: 'select', values: ['a', 'b'], maxSelect: 2 };
const posts: Collection = {
  id: 'pbc_1', name: 'posts', type: 'base', system: false, indexes: [],
  listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null, created: '', updated: '',
  fields: [title, views, tags],
};

function named(changes: ReturnType<typeof inPlaceChanges>): unknown {
  if (changes === undefined) return undefined;
  return {
    set: Object.fromEntries([...changes.set].map(([f, v]) => [f.name, v])),
    add: Object.fromEntries([...changes.add].map(([f, v]) => [f.name, v])),
  };
}

test('in-place changes: plain values are set, number modifiers add their total', () => {
  assert.deepEqual(named(inPlaceChanges(posts, { title: 'x', 'views+': 3, 'views-': 1 })), { set: { title: 'x' }, add: { views: 2 } });
  // A plain value with modifiers no longer depends on the stored one.
  assert.deepEqual(named(inPlaceChanges(posts, { views: '10', 'views+': 1 })), { set: { views: 11 }, add: {} });
  assert.deepEqual(named(inPlaceChanges(posts, { tags: ['a'], 'tags+': 'b' })), { set: { tags: ['a', 'b'] }, add: {} });
  const generated = inPlaceChanges(posts, { 'title:autogenerate': 'p-' });
  assert.match(String(generated?.set.get(title)), /^p-[a-z]{4}$/);
  // Keys that address no field change nothing, as on the full path.
  assert.deepEqual(named(inPlaceChanges(posts, { nope: 1, '+views': 1 })), { set: {}, add: {} });
});

test('in-place changes: a list modifier on the stored list or a value that fails to cast is undefined', () => {
  assert.equal(inPlaceChanges(posts, { 'tags+': 'a' }), undefined);
  assert.equal(inPlaceChanges(posts, { 'tags-': 'a', title: 'x' }), undefined);
  assert.equal(inPlaceChanges(posts, { views: 'abc' }), undefined);
  assert.equal(inPlaceChanges(posts, { 'views+': 'abc' }), undefined);
});
