import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isThumbableName, parseThumbSize } from './thumb-size.js';

test('PocketBase thumbnail sizes', () => {
  assert.deepEqual(parseThumbSize('100x100'), { width: 100, height: 100, mode: 'center' });
  assert.deepEqual(parseThumbSize('100x50t'), { width: 100, height: 50, mode: 'top' });
  assert.deepEqual(parseThumbSize('100x50b'), { width: 100, height: 50, mode: 'bottom' });
  assert.deepEqual(parseThumbSize('100x50f'), { width: 100, height: 50, mode: 'fit' });
  assert.deepEqual(parseThumbSize('0x50'), { width: 0, height: 50, mode: 'center' });
  assert.deepEqual(parseThumbSize('50x0'), { width: 50, height: 0, mode: 'center' });
  for (const bad of ['0x0', '0x0f', '100', 'x100', '100x100z', '-1x5', '5000x10', '100X100', ' 100x100']) assert.equal(parseThumbSize(bad), undefined, bad);
});

test('only png, jpg, gif and webp get thumbnails', () => {
  for (const ok of ['a.png', 'a.JPG', 'a.jpeg', 'a.gif', 'a.webp']) assert.equal(isThumbableName(ok), true, ok);
  for (const no of ['a.svg', 'a.txt', 'a.png.txt', 'a.tiff', 'png']) assert.equal(isThumbableName(no), false, no);
});
