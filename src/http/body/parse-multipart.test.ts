import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { isApiError } from '../../core/errors.js';
import { DEFAULT_BODY_LIMITS } from './body-limits.js';
import { parseMultipart, removeUploadTemps } from './parse-multipart.js';

const BOUNDARY = 'galleyboundary';
const headers = { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };

function part(name: string, value: string, file?: { filename: string; type: string }): string {
  const disposition = file
    ? `form-data; name="${name}"; filename="${file.filename}"\r\nContent-Type: ${file.type}`
    : `form-data; name="${name}"`;
  return `--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n\r\n${value}\r\n`;
}

const body = (...parts: string[]): Readable => Readable.from([Buffer.from(parts.join('') + `--${BOUNDARY}--\r\n`)]);

async function rejectsWith(promise: Promise<unknown>, status: number): Promise<void> {
  await assert.rejects(promise, (err) => isApiError(err) && err.status === status);
}

test('merges repeated @jsonPayload parts and infers the other parts', async () => {
  const { fields, files } = await parseMultipart(
    body(
      part('@jsonPayload', '{"tags":["a","b"],"meta":null}'),
      part('@jsonPayload', '{"nested":{"x":1}}'),
      part('title', 'hello'),
      part('count', '12'),
      part('code', '0012'),
      part('done', 'true'),
      part('multi', 'a'),
      part('multi', 'b'),
    ),
    headers,
  );
  assert.deepEqual(fields, {
    tags: ['a', 'b'],
    meta: null,
    nested: { x: 1 },
    title: 'hello',
    count: 12,
    code: '0012',
    done: true,
    multi: ['a', 'b'],
  });
  assert.deepEqual(files, []);
});

test('streams file parts to temporary files and detects their type from the bytes', async () => {
  const { fields, files } = await parseMultipart(
    body(part('title', 'x'), part('avatar', 'PNGDATA', { filename: 'a.png', type: 'image/png' })),
    headers,
  );
  try {
    assert.deepEqual(fields, { title: 'x' });
    assert.equal(files.length, 1);
    assert.equal(files[0]?.field, 'avatar');
    assert.equal(files[0]?.filename, 'a.png');
    assert.equal(files[0]?.mimeType, 'image/png');
    assert.equal(files[0]?.size, 7);
    assert.equal(files[0]?.truncated, false);
    // the client said image/png; the bytes are text
    assert.equal(files[0]?.detected.mime, 'text/plain');
    assert.equal(await readFile(files[0]?.path ?? '', 'utf8'), 'PNGDATA');
  } finally {
    await removeUploadTemps(files);
  }
  await assert.rejects(readFile(files[0]?.path ?? ''));
});

test('a part over its own limit is read to the end but marked truncated, keeping only the allowed bytes', async () => {
  const limits = { ...DEFAULT_BODY_LIMITS, fileBytes: (name: string) => (name === 'small' ? 4 : 1000) };
  const { files } = await parseMultipart(
    body(part('small', '0123456789', { filename: 'a.txt', type: 'text/plain' }), part('big', '0123456789', { filename: 'b.txt', type: 'text/plain' })),
    headers,
    limits,
  );
  try {
    const small = files.find((f) => f.field === 'small');
    assert.equal(small?.truncated, true);
    assert.equal(small?.size, 10);
    assert.equal((await readFile(small?.path ?? '')).length, 0);
    assert.equal(files.find((f) => f.field === 'big')?.truncated, false);
  } finally {
    await removeUploadTemps(files);
  }
});

test('an empty file input (no name, no bytes) is no file', async () => {
  const { files } = await parseMultipart(body(part('avatar', '', { filename: '', type: 'application/octet-stream' })), headers);
  assert.deepEqual(files, []);
});

test('prototype keys never become properties', async () => {
  const { fields } = await parseMultipart(
    body(part('__proto__', 'x'), part('@jsonPayload', '{"__proto__":{"polluted":true},"ok":1}')),
    headers,
  );
  assert.deepEqual(Object.keys(fields), ['ok']);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('broken bodies are 4xx ApiErrors', async () => {
  await rejectsWith(parseMultipart(body(part('@jsonPayload', '{broken')), headers), 400);
  await rejectsWith(parseMultipart(body(part('@jsonPayload', '[1,2]')), headers), 400);
  await rejectsWith(parseMultipart(body(), { 'content-type': 'multipart/form-data' }), 400);
  await rejectsWith(
    parseMultipart(Readable.from([Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated`)]), headers),
    400,
  );
  await rejectsWith(parseMultipart(Readable.from([Buffer.from('garbage without any boundary')]), headers), 400);
});

test('limits: bytes, parts and field size', async () => {
  const limits = { maxBytes: 1000, maxParts: 3, maxFieldBytes: 100, maxFiles: 1 };
  await rejectsWith(parseMultipart(body(part('a', 'x'.repeat(2000))), headers, limits), 413);
  await rejectsWith(parseMultipart(body(part('a', '1'), part('b', '2'), part('c', '3'), part('d', '4')), headers, limits), 413);
  await rejectsWith(parseMultipart(body(part('a', 'x'.repeat(200))), headers, limits), 413);
  await rejectsWith(
    parseMultipart(body(part('f', '1', { filename: 'a', type: 'text/plain' }), part('g', '2', { filename: 'b', type: 'text/plain' })), headers, limits),
    413,
  );
});

test('a body cut short inside a file part leaves no temporary file, even when the cut beats the file open', async () => {
  const tempDir = await mkdtemp(join(tmpdir(), 'galley-mp-cut-'));
  try {
    // The cut arrives in the same chunk as the part's first bytes, so the temporary file's open is
    // still in flight when the parser fails: the failure must wait for it before removing the file.
    const cut = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n${'x'.repeat(5000)}`;
    await Promise.all(Array.from({ length: 50 }, () => rejectsWith(parseMultipart(Readable.from([Buffer.from(cut)]), headers, DEFAULT_BODY_LIMITS, { tempDir }), 400)));
    assert.deepEqual(await readdir(tempDir), []);
  } finally {
    await rm(tempDir, { recursive: true, force: true });
  }
});
