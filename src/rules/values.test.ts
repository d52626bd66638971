import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evalValueCompare } from './value-compare.js';
import { cleanText, codePointCompare, hasDanglingEscape, likeMatch, likePattern, numericText } from './values.js';

test('likePattern follows PocketBase: escape unescaped \\ % _ and wrap, unless a raw % is present', () => {
  assert.equal(likePattern('abc'), '%abc%');
  assert.equal(likePattern('a_c'), '%a\\_c%');
  assert.equal(likePattern('a\\_c'), '%a\\_c%');
  assert.equal(likePattern('\\'), '%\\\\%');
  assert.equal(likePattern('_'), '%\\_%');
  assert.equal(likePattern('50%'), '50%');
  assert.equal(likePattern('50\\%'), '%50\\%%');
  assert.equal(likePattern('a\\\\%'), 'a\\\\%');
  assert.equal(likePattern(''), '%%');
});

test('likeMatch is SQLite LIKE with ESCAPE \\: ASCII case-insensitive, _ is one character', () => {
  assert.equal(likeMatch('Hello', '%ELL%'), true);
  assert.equal(likeMatch('Ünï', '%ünï%'), false);
  assert.equal(likeMatch('日本語', '_本_'), true);
  assert.equal(likeMatch('😀x', '_x'), true);
  assert.equal(likeMatch('a_c', 'a\\_c'), true);
  assert.equal(likeMatch('abc', 'a\\_c'), false);
  assert.equal(likeMatch('abc', 'abc\\'), false);
  assert.equal(likeMatch('a%', '%\\%'), true);
  assert.equal(likeMatch('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '%a%a%a%a%a%a%a%a%a%b'), false);
  assert.equal(hasDanglingEscape('a\\'), true);
  assert.equal(hasDanglingEscape('a\\\\'), false);
});

test('text order is code point (UTF-8 byte) order, not UTF-16', () => {
  assert.ok(codePointCompare('\uFFFF', '😀') < 0);
  assert.ok('\uFFFF' > '😀'); // what plain JS comparison would say
  assert.ok(codePointCompare('B', 'a') < 0);
  assert.ok(codePointCompare('', 'a') < 0);
});

test('value comparisons: "" equals null, numbers meet numeric text', () => {
  assert.equal(evalValueCompare('=', '', null), true);
  assert.equal(evalValueCompare('!=', '', null), false);
  assert.equal(evalValueCompare('=', '5', 5), true);
  assert.equal(evalValueCompare('=', ' 5.0 ', 5), true);
  assert.equal(evalValueCompare('=', 'abc', 5), false);
  assert.equal(evalValueCompare('!=', 'abc', 5), true);
  assert.equal(evalValueCompare('>', null, 'a'), null);
  assert.equal(evalValueCompare('<', '', 'a'), true);
  assert.equal(numericText('1e3'), 1000);
  assert.equal(numericText('0x10'), undefined);
});

test('cleanText drops NUL and replaces lone surrogates', () => {
  assert.equal(cleanText('a\0b'), 'ab');
  assert.equal(cleanText('x\uD800y'), 'x\uFFFDy');
  assert.equal(cleanText('😀'), '😀');
});
