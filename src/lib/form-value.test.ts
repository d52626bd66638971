import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inferFormValue, parseBoolFlag } from './form-value.js';

test('booleans and round-tripping numbers are inferred', () => {
  assert.equal(inferFormValue('true'), true);
  assert.equal(inferFormValue('false'), false);
  assert.equal(inferFormValue('12'), 12);
  assert.equal(inferFormValue('-1.5'), -1.5);
  assert.equal(inferFormValue('0'), 0);
});

test('strings that would not round-trip stay strings', () => {
  for (const s of ['0001', '1.50', '1e3', '-0', ' 1', '1 ', 'True', '', 'abc', '0x10', 'Infinity', 'NaN', '99999999999999999999']) {
    assert.equal(inferFormValue(s), s, s);
  }
});

test('parseBoolFlag follows Go strconv.ParseBool', () => {
  assert.equal(parseBoolFlag('1'), true);
  assert.equal(parseBoolFlag('t'), true);
  assert.equal(parseBoolFlag('false'), false);
  assert.equal(parseBoolFlag('yes'), undefined);
  assert.equal(parseBoolFlag(undefined), undefined);
});
