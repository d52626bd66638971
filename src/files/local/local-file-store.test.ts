import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { test, type TestContext } from 'node:test';
import { isApiError } from '../../core/errors.js';
import { failingBody, generatedBody } from '../file-store.conformance.js';
import { LocalFileStore, STAGING_DIR } from './local-file-store.js';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'galley-local-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('files are plain files under the root, at their key', async (t) => {
  const dir = await tempDir(t);
  const store = new LocalFileStore({ root: join(dir, 'storage') });
  await store.put('col/rec/a.txt', Buffer.from('on disk'));
  assert.equal(await readFile(join(dir, 'storage', 'col', 'rec', 'a.txt'), 'utf8'), 'on disk');
});

test('a failed upload leaves the staging folder empty and creates no folders', async (t) => {
  const dir = await tempDir(t);
  const root = join(dir, 'storage');
  const store = new LocalFileStore({ root });
  await assert.rejects(store.put('col/rec/broken.bin', failingBody(1024 * 1024)), /client went away/);
  assert.deepEqual(await readdir(join(root, STAGING_DIR)), []);
  assert.deepEqual(await readdir(root), [STAGING_DIR]);
});

test('path escapes never touch files outside the root', async (t) => {
  const dir = await tempDir(t);
  const outside = join(dir, 'secret.txt');
  await writeFile(outside, 'keep');
  const store = new LocalFileStore({ root: join(dir, 'storage') });
  for (const key of ['../secret.txt', 'a/../../secret.txt', outside]) {
    await assert.rejects(store.put(key, Buffer.from('pwned')));
    await assert.rejects(store.delete(key));
    await assert.rejects(store.get(key));
  }
  assert.equal(await readFile(outside, 'utf8'), 'keep');
});

test('the staging folder is neither listed nor addressable as a key', async (t) => {
  const dir = await tempDir(t);
  const store = new LocalFileStore({ root: join(dir, 'storage') });
  await store.put('x/y', Buffer.from('1'));
  await writeFile(join(dir, 'storage', STAGING_DIR, 'leftover.part'), 'junk');
  assert.deepEqual(await store.list(''), ['x/y']);
  for (const key of [STAGING_DIR, `${STAGING_DIR}/leftover.part`, `./${STAGING_DIR}//leftover.part`]) {
    await assert.rejects(store.get(key), (err: unknown) => isApiError(err) && err.status === 400);
  }
});

test('stale staging files from a crash are swept on the first write; fresh ones are kept', async (t) => {
  const dir = await tempDir(t);
  const staging = join(dir, 'storage', STAGING_DIR);
  await mkdir(staging, { recursive: true });
  await writeFile(join(staging, 'old.part'), 'crashed');
  await writeFile(join(staging, 'fresh.part'), 'another node is writing');
  const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
  await utimes(join(staging, 'old.part'), twoHoursAgo, twoHoursAgo);
  const store = new LocalFileStore({ root: join(dir, 'storage') });
  await store.put('a', Buffer.from('1'));
  assert.deepEqual(await readdir(staging), ['fresh.part']);
});

test('a reader that opened a file keeps reading that version while it is replaced', async (t) => {
  const dir = await tempDir(t);
  const store = new LocalFileStore({ root: join(dir, 'storage') });
  const v1 = generatedBody(2 * 1024 * 1024, 1);
  const v2 = generatedBody(1024 * 1024, 2);
  await store.put('doc.bin', v1.stream());
  const reading = await store.get('doc.bin');
  await store.put('doc.bin', v2.stream());
  assert.equal(createHash('sha256').update(await buffer(reading)).digest('hex'), v1.sha256);
  assert.equal(createHash('sha256').update(await buffer(await store.get('doc.bin'))).digest('hex'), v2.sha256);
});

test('a key whose folder is a file is a 409, and leaves nothing behind', async (t) => {
  const dir = await tempDir(t);
  const store = new LocalFileStore({ root: join(dir, 'storage') });
  await store.put('a/file', Buffer.from('1'));
  await assert.rejects(store.put('a/file/child', Buffer.from('2')), (err: unknown) => isApiError(err) && err.status === 409);
  await assert.rejects(store.put('a', Buffer.from('3')), (err: unknown) => isApiError(err) && err.status === 409);
  assert.deepEqual(await store.list(''), ['a/file']);
  assert.deepEqual(await readdir(join(dir, 'storage', STAGING_DIR)), []);
});

test('deleting the last file of a record prunes its empty folders, not the root', async (t) => {
  const dir = await tempDir(t);
  const root = join(dir, 'storage');
  const store = new LocalFileStore({ root });
  await store.put('col/rec/a.txt', Buffer.from('1'));
  await store.put('col/rec2/b.txt', Buffer.from('2'));
  await store.delete('col/rec/a.txt');
  assert.deepEqual((await readdir(join(root, 'col'))).sort(), ['rec2']);
  assert.equal(await store.deletePrefix('col/'), 1);
  assert.deepEqual(await readdir(root), [STAGING_DIR]);
  assert.ok((await stat(root)).isDirectory());
});

test('the etag changes when the content changes', async (t) => {
  const dir = await tempDir(t);
  const store = new LocalFileStore({ root: join(dir, 'storage') });
  const first = await store.put('e.txt', Buffer.from('one'));
  const second = await store.put('e.txt', Buffer.from('three'));
  assert.ok(first.etag && second.etag);
  assert.notEqual(first.etag, second.etag);
  assert.equal((await store.stat('e.txt'))?.etag, second.etag);
});
