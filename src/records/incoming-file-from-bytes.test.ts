import assert from 'node:assert/strict';
import { test } from 'node:test';
import { incomingFileFromBytes } from './incoming-file-from-bytes.js';

async function read(open: (() => Promise<AsyncIterable<unknown>>) | undefined): Promise<Buffer> {
  assert.ok(open);
  const chunks: Buffer[] = [];
  for await (const chunk of await open()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

test('the type comes from the bytes, not the name', async () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const f = await incomingFileFromBytes('pdf', 'invoice.pdf', png);
  assert.deepEqual({ ...f, open: undefined }, { key: 'pdf', originalName: 'invoice.pdf', size: png.length, mime: 'image/png', ext: 'png', open: undefined });
});

test('open() gives the same bytes every time (a retried transaction stores them again), a view included', async () => {
  const whole = Buffer.from('xx%PDF-1.7\nbody\nyy');
  const view = whole.subarray(2, whole.length - 2);
  const f = await incomingFileFromBytes('doc+', 'a.pdf', view);
  assert.equal(f.mime, 'application/pdf');
  assert.equal(f.size, view.length);
  assert.deepEqual(await read(f.open), view);
  assert.deepEqual(await read(f.open), view);
});
