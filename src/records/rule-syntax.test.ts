import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Collection } from '../core/schema.js';
import { checkRuleSyntax } from './rule-syntax.js';

const posts: Collection = {
  id: 'pbc_1', name: 'posts', type: 'base', system: false, indexes: [],
  listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null, created: '', updated: '',
  fields: [
    { id: 'text1', name: 'id', type: 'text', system: true, hidden: false, presentable: false, min: 15, max: 15, pattern: '^[a-z0-9]+$', autogeneratePattern: '[a-z0-9]{15}', required: true, primaryKey: true },
    { id: 'text2', name: 'title', type: 'text', system: false, hidden: false, presentable: false, min: 0, max: 0, pattern: '', autogeneratePattern: '', required: false, primaryKey: false },
  ],
};

// Regression: collection rules were checked with the client-filter limits (3500 chars), so a long
// rule written by a superuser was refused on save.
test('collection rules may be longer than client filters', () => {
  const long = Array.from({ length: 300 }, (_, i) => `title = "value number ${i}"`).join(' || ');
  assert.ok(long.length > 3500);
  assert.equal(checkRuleSyntax(long, posts, []), null);
});

test('an unknown field in a rule is reported', () => {
  assert.match(checkRuleSyntax('nope = 1', posts, []) ?? '', /nope/);
});
