import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonEach, quoteColumn, quoteIdent } from './sql.js';

test('quoteIdent quotes and escapes', () => {
  assert.equal(quoteIdent('posts'), '"posts"');
  assert.equal(quoteIdent('we"ird'), '"we""ird"');
  assert.equal(quoteIdent('x"; DROP TABLE t; --'), '"x""; DROP TABLE t; --"');
  assert.equal(quoteColumn('t', 'f'), '"t"."f"');
  assert.throws(() => quoteIdent(''), /empty/);
  assert.throws(() => quoteIdent('a\0b'), /NUL/);
});

test('jsonEach names the dialect function', () => {
  assert.equal(jsonEach('sqlite', '"t"."f"'), 'json_each("t"."f")');
  assert.match(jsonEach('postgres', '"t"."f"'), /^jsonb_array_elements_text\(/);
});
