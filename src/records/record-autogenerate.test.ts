import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AutogeneratePatternError, generateFromPattern } from './record-autogenerate.js';

test('autogenerate: PocketBase-style patterns produce matching strings', () => {
  for (const pattern of ['[a-z0-9]{15}', '[a-zA-Z0-9]{50}', 'inv-\\d{4}', '[A-F]{2,4}x?', '^[a-z]{3}$', '[\\w-]{8}']) {
    const re = new RegExp(`^${pattern.replace(/^\^/, '').replace(/\$$/, '')}$`);
    for (let i = 0; i < 50; i++) {
      const v = generateFromPattern(pattern);
      assert.match(v, re, `${pattern} -> ${v}`);
    }
  }
});

test('autogenerate: unsupported syntax is an error, not a wrong value', () => {
  for (const bad of ['(a|b)', 'a.b', '[a-', '\\', 'a{2,1}']) {
    assert.throws(() => generateFromPattern(bad), AutogeneratePatternError, bad);
  }
});
