import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rewritePlaceholders } from './placeholders.js';

const cases: Array<[string, string, number]> = [
  ['SELECT 1', 'SELECT 1', 0],
  ['SELECT * FROM "t" WHERE a = ? AND b = ?', 'SELECT * FROM "t" WHERE a = $1 AND b = $2', 2],
  ["SELECT '?' , ?", "SELECT '?' , $1", 1],
  ["SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1", 1],
  ["SELECT E'\\' ?', ?", "SELECT E'\\' ?', $1", 1],
  ["SELECT e'a\\'?', ?", "SELECT e'a\\'?', $1", 1],
  ["SELECT some'?'", "SELECT some'?'", 0],
  ['SELECT "col?" FROM "a""?b" WHERE x = ?', 'SELECT "col?" FROM "a""?b" WHERE x = $1', 1],
  ['SELECT ? -- what?\n, ?', 'SELECT $1 -- what?\n, $2', 2],
  ['SELECT /* a /* nested? */ ? */ ?', 'SELECT /* a /* nested? */ ? */ $1', 1],
  ['SELECT $$ ? $$, ?', 'SELECT $$ ? $$, $1', 1],
  ['SELECT $fn$ ? $ ? $fn$, ?', 'SELECT $fn$ ? $ ? $fn$, $1', 1],
  ["SELECT data ?? 'k', ?", "SELECT data ? 'k', $1", 1],
  ['SELECT data ??| ?', 'SELECT data ?| $1', 1],
  ['SELECT a$1, ?', 'SELECT a$1, $1', 1],
  ["SELECT 'unterminated ?", "SELECT 'unterminated ?", 0],
];

test('rewrites ? outside quotes and comments', () => {
  for (const [input, text, params] of cases) {
    assert.deepEqual(rewritePlaceholders(input), { text, params }, input);
  }
});
