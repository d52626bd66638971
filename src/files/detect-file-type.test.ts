import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectFileType, mimeTypeAllowed } from './detect-file-type.js';

test('types come from the bytes, not the name', async () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  assert.deepEqual(await detectFileType(png), { mime: 'image/png', ext: 'png' });
  assert.deepEqual(await detectFileType(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...Buffer.alloc(60)])), { mime: 'application/x-elf', ext: 'elf' });
  assert.equal((await detectFileType(Buffer.from('%PDF-1.7\n'))).mime, 'application/pdf');
});

test('text formats are told apart by a sniff', async () => {
  assert.equal((await detectFileType(Buffer.from('hello\nworld'))).mime, 'text/plain');
  assert.equal((await detectFileType(Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"></svg>'))).mime, 'image/svg+xml');
  assert.equal((await detectFileType(Buffer.from('  <!DOCTYPE html><html><script>alert(1)</script>'))).mime, 'text/html');
  assert.equal((await detectFileType(Buffer.from('<?xml version="1.0"?><note/>'))).mime, 'application/xml');
  assert.equal((await detectFileType(Buffer.from([0x00, 0x13, 0x37, 0x00, 0x42, 0x99]))).mime, 'application/octet-stream');
  // a multi-byte character cut at the end of the sample is still text
  assert.equal((await detectFileType(Buffer.from('héllo').subarray(0, 2))).mime, 'text/plain');
});

test('mimeTypes lists match exact types and families, ignoring parameters', () => {
  assert.equal(mimeTypeAllowed('image/png', ['image/png']), true);
  assert.equal(mimeTypeAllowed('image/png', ['image/*']), true);
  assert.equal(mimeTypeAllowed('text/plain', ['text/plain; charset=utf-8']), true);
  assert.equal(mimeTypeAllowed('application/x-elf', ['image/png', 'image/jpeg']), false);
  assert.equal(mimeTypeAllowed('image/svg+xml', ['image/png']), false);
});
