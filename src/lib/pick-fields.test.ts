import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileFields, pickFields, FieldsSyntaxError } from './pick-fields.js';
import { excerpt } from './excerpt.js';

const record = {
  id: 'a1',
  title: 'Hello',
  body: '<p>First <b>bold</b> paragraph.</p><p>Second   one.</p><script>evil()</script>',
  expand: { author: { id: 'u1', name: 'Ann', email: 'a@x.io' }, tags: [{ id: 't1', label: 'x' }, { id: 't2', label: 'y' }] },
  list: [1, 2, 3],
};

test('picks listed keys only', () => {
  assert.deepEqual(pickFields(record, compileFields('id,title')), { id: 'a1', title: 'Hello' });
});

test('star keeps every key and narrows the listed nested paths', () => {
  const out = pickFields(record, compileFields('*,expand.author.name'));
  assert.deepEqual(Object.keys(out), Object.keys(record));
  assert.deepEqual(out.expand, { author: { name: 'Ann' } });
});

test('arrays of objects are picked per item, arrays of scalars kept', () => {
  const out = pickFields(record, compileFields('expand.tags.label,list'));
  assert.deepEqual(out, { expand: { tags: [{ label: 'x' }, { label: 'y' }] }, list: [1, 2, 3] });
  assert.deepEqual(pickFields([{ a: 1, b: 2 }, { a: 3 }], compileFields('a')), [{ a: 1 }, { a: 3 }]);
});

test('an exact key keeps the whole value even when a deeper path is listed', () => {
  const out = pickFields(record, compileFields('expand,expand.author.name'));
  assert.deepEqual(out, { expand: record.expand });
});

test('excerpt modifier strips html, collapses whitespace and cuts', () => {
  assert.deepEqual(pickFields(record, compileFields('body:excerpt(200)')), { body: 'First bold paragraph. Second one.' });
  assert.deepEqual(pickFields(record, compileFields('body:excerpt(10,true)')), { body: 'First bold...' });
  assert.deepEqual(pickFields({ n: 5 }, compileFields('n:excerpt(3)')), { n: 5 });
  assert.deepEqual(pickFields(record, compileFields('*,body:excerpt(5)')).body, 'First');
});

test('excerpt never splits a character and drops non-text elements', () => {
  assert.equal(excerpt('héllo wörld 😀😀', 13, false), 'héllo wörld 😀');
  assert.equal(excerpt('<div>a</div><div>b</div><img src=x>c', 10, false), 'a b c');
});

test('empty or missing expression picks nothing away', () => {
  assert.equal(compileFields(''), undefined);
  assert.equal(compileFields(undefined), undefined);
  assert.equal(pickFields(record, undefined), record);
});

test('bad modifiers are syntax errors', () => {
  assert.throws(() => compileFields('a:nope(1)'), FieldsSyntaxError);
  assert.throws(() => compileFields('a:excerpt()'), FieldsSyntaxError);
  assert.throws(() => compileFields('a:excerpt(0)'), FieldsSyntaxError);
  assert.throws(() => compileFields('a:excerpt'), FieldsSyntaxError);
});
