/**
 * The behaviour every FileStore backend must have, run against each one from `file-store.test.ts`
 * (local disk now; S3 joins the same suite). Each test gets an empty store of its own.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { describe, test, type TestContext } from 'node:test';
import { isApiError } from '../core/errors.js';
import type { FileStore } from './file-store.js';

export interface FileStoreBackend {
  name: string;
  /** False (after skipping `t`) when the backend's service is unavailable. */
  available(t: TestContext): Promise<boolean>;
  /** An empty store for one test; the backend cleans it up after the test. */
  create(t: TestContext): Promise<FileStore>;
}

const MB = 1024 * 1024;

/** A deterministic stream of `size` bytes, made chunk by chunk, and the sha256 it should have. */
export function generatedBody(size: number, seed = 1): { stream: () => Readable; sha256: string } {
  const chunkOf = (index: number, length: number): Buffer => {
    const chunk = Buffer.alloc(length);
    let x = (seed * 2654435761 + index * 40503) >>> 0;
    for (let i = 0; i < length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      chunk[i] = x >>> 24;
    }
    return chunk;
  };
  const chunkSize = 64 * 1024;
  const hash = createHash('sha256');
  for (let offset = 0, i = 0; offset < size; offset += chunkSize, i++) hash.update(chunkOf(i, Math.min(chunkSize, size - offset)));
  return {
    sha256: hash.digest('hex'),
    stream: () =>
      Readable.from(
        (function* () {
          for (let offset = 0, i = 0; offset < size; offset += chunkSize, i++) yield chunkOf(i, Math.min(chunkSize, size - offset));
        })(),
      ),
  };
}

/** A source that yields `bytes` bytes and then fails, like an upload cut off mid-way. */
export function failingBody(bytes: number, message = 'client went away'): Readable {
  return Readable.from(
    (async function* () {
      yield Buffer.alloc(bytes, 7);
      await Promise.resolve();
      throw new Error(message);
    })(),
  );
}

async function readAll(store: FileStore, key: string, range?: { start: number; end?: number }): Promise<Buffer> {
  return buffer(await store.get(key, range));
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function apiStatus(status: number): (err: unknown) => boolean {
  return (err) => isApiError(err) && err.status === status;
}

export function fileStoreConformance(backend: FileStoreBackend): void {
  describe(`FileStore conformance: ${backend.name}`, { timeout: 60_000 }, () => {
    async function setup(t: TestContext): Promise<FileStore | undefined> {
      if (!(await backend.available(t))) return undefined;
      return backend.create(t);
    }

    test('put, stat, exists, get and delete a small file', async (t) => {
      const store = await setup(t);
      if (!store) return;
      const before = Date.now();
      const attrs = await store.put('col1/rec1/hello.txt', Buffer.from('hello world'), 'text/plain');
      assert.equal(attrs.size, 11);
      assert.ok(attrs.modified instanceof Date);
      // Second-level slack: some stores keep whole seconds.
      assert.ok(attrs.modified.getTime() >= Math.floor(before / 1000) * 1000 - 1000);
      const stat = await store.stat('col1/rec1/hello.txt');
      assert.equal(stat?.size, 11);
      assert.equal(await store.exists('col1/rec1/hello.txt'), true);
      assert.equal((await readAll(store, 'col1/rec1/hello.txt')).toString(), 'hello world');
      await store.delete('col1/rec1/hello.txt');
      assert.equal(await store.exists('col1/rec1/hello.txt'), false);
      assert.equal(await store.stat('col1/rec1/hello.txt'), undefined);
      await store.delete('col1/rec1/hello.txt');
    });

    test('a missing key: stat undefined, exists false, get a 404', async (t) => {
      const store = await setup(t);
      if (!store) return;
      assert.equal(await store.stat('nope/nothing.bin'), undefined);
      assert.equal(await store.exists('nope/nothing.bin'), false);
      await assert.rejects(store.get('nope/nothing.bin'), apiStatus(404));
      await store.put('nope/file', Buffer.from('x'));
      // A "folder" is not a file, and a path through a file is not one either.
      await assert.rejects(store.get('nope'), apiStatus(404));
      assert.equal(await store.stat('nope'), undefined);
      await assert.rejects(store.get('nope/file/below'), apiStatus(404));
      assert.equal(await store.exists('nope/file/below'), false);
    });

    test('put replaces an existing file whole', async (t) => {
      const store = await setup(t);
      if (!store) return;
      await store.put('a/b.txt', Buffer.from('a longer first version'));
      await store.put('a/b.txt', Buffer.from('v2'));
      assert.equal((await readAll(store, 'a/b.txt')).toString(), 'v2');
      assert.equal((await store.stat('a/b.txt'))?.size, 2);
    });

    test('an empty file is a file', async (t) => {
      const store = await setup(t);
      if (!store) return;
      assert.equal((await store.put('e/empty', new Uint8Array(0))).size, 0);
      assert.equal((await readAll(store, 'e/empty')).length, 0);
      assert.deepEqual(await store.list('e/'), ['e/empty']);
      await assert.rejects(store.get('e/empty', { start: 0 }), apiStatus(416));
    });

    test('streams of several MB go through intact', async (t) => {
      const store = await setup(t);
      if (!store) return;
      const size = 6 * MB + 12345;
      const body = generatedBody(size);
      const attrs = await store.put('big/file.bin', body.stream(), 'application/octet-stream');
      assert.equal(attrs.size, size);
      const hash = createHash('sha256');
      let received = 0;
      for await (const chunk of await store.get('big/file.bin')) {
        hash.update(chunk as Buffer);
        received += (chunk as Buffer).length;
      }
      assert.equal(received, size);
      assert.equal(hash.digest('hex'), body.sha256);
    });

    test('range reads are inclusive, clamp at the end, and reject what cannot be served', async (t) => {
      const store = await setup(t);
      if (!store) return;
      const data = Buffer.from('0123456789abcdef');
      await store.put('r/range.txt', data);
      assert.equal((await readAll(store, 'r/range.txt', { start: 2, end: 5 })).toString(), '2345');
      assert.equal((await readAll(store, 'r/range.txt', { start: 10 })).toString(), 'abcdef');
      assert.equal((await readAll(store, 'r/range.txt', { start: 0, end: 0 })).toString(), '0');
      assert.equal((await readAll(store, 'r/range.txt', { start: 14, end: 999 })).toString(), 'ef');
      await assert.rejects(store.get('r/range.txt', { start: 16 }), apiStatus(416));
      await assert.rejects(store.get('r/range.txt', { start: 5, end: 4 }), apiStatus(400));
      await assert.rejects(store.get('r/range.txt', { start: -1 }), apiStatus(400));
      await assert.rejects(store.get('r/range.txt', { start: 1.5 }), apiStatus(400));
    });

    test('range reads of a large file return exactly the requested bytes', async (t) => {
      const store = await setup(t);
      if (!store) return;
      const size = 3 * MB;
      const body = generatedBody(size, 9);
      await store.put('r/big.bin', body.stream());
      const whole = await readAll(store, 'r/big.bin');
      assert.equal(sha256(whole), body.sha256);
      const start = MB - 17;
      const end = 2 * MB + 33;
      const part = await readAll(store, 'r/big.bin', { start, end });
      assert.equal(part.length, end - start + 1);
      assert.ok(part.equals(whole.subarray(start, end + 1)));
    });

    test('keys are normalised: one file, whatever the spelling', async (t) => {
      const store = await setup(t);
      if (!store) return;
      await store.put('n//x/./y.txt', Buffer.from('same'));
      assert.equal((await readAll(store, 'n/x/y.txt')).toString(), 'same');
      assert.deepEqual(await store.list(''), ['n/x/y.txt']);
      await store.delete('./n/x//y.txt');
      assert.deepEqual(await store.list(''), []);
    });

    test('path-escape attempts are rejected with a 400 by every method, and write nothing', async (t) => {
      const store = await setup(t);
      if (!store) return;
      const attacks = ['../outside.txt', 'a/../../outside.txt', '/etc/passwd', 'a/..', '..', 'a\\..\\..\\x', 'a\0b', '', 'a/\n/b'];
      for (const key of attacks) {
        const label = JSON.stringify(key);
        await assert.rejects(store.put(key, Buffer.from('x')), apiStatus(400), `put ${label}`);
        await assert.rejects(store.put(key, Readable.from([Buffer.from('x')])), apiStatus(400), `put stream ${label}`);
        await assert.rejects(store.get(key), apiStatus(400), `get ${label}`);
        await assert.rejects(store.stat(key), apiStatus(400), `stat ${label}`);
        await assert.rejects(store.exists(key), apiStatus(400), `exists ${label}`);
        await assert.rejects(store.delete(key), apiStatus(400), `delete ${label}`);
      }
      for (const prefix of ['../', '/abs', 'a/../..']) {
        await assert.rejects(store.list(prefix), apiStatus(400), `list ${prefix}`);
        await assert.rejects(store.deletePrefix(prefix), apiStatus(400), `deletePrefix ${prefix}`);
      }
      assert.deepEqual(await store.list(''), []);
    });

    test('a failing source stream leaves no stray object', async (t) => {
      const store = await setup(t);
      if (!store) return;
      await assert.rejects(store.put('f/broken.bin', failingBody(2 * MB)), /client went away/);
      assert.equal(await store.exists('f/broken.bin'), false);
      assert.deepEqual(await store.list(''), []);
    });

    test('a failed overwrite keeps the previous file intact', async (t) => {
      const store = await setup(t);
      if (!store) return;
      await store.put('f/keep.txt', Buffer.from('original'));
      await assert.rejects(store.put('f/keep.txt', failingBody(MB)), /client went away/);
      assert.equal((await readAll(store, 'f/keep.txt')).toString(), 'original');
      assert.deepEqual(await store.list(''), ['f/keep.txt']);
    });

    test('concurrent writes to one key leave one complete version', async (t) => {
      const store = await setup(t);
      if (!store) return;
      const bodies = [1, 2, 3].map((seed) => generatedBody(MB + seed, seed));
      await Promise.all(bodies.map((b) => store.put('c/same.bin', b.stream())));
      const final = sha256(await readAll(store, 'c/same.bin'));
      assert.ok(bodies.some((b) => b.sha256 === final));
      assert.deepEqual(await store.list(''), ['c/same.bin']);
    });

    test('list and deletePrefix use string prefixes; a trailing slash means a folder', async (t) => {
      const store = await setup(t);
      if (!store) return;
      const keys = ['col/rec1/a.png', 'col/rec1/thumbs_a.png/100x100_a.png', 'col/rec10/b.png', 'col/rec2/c.png', 'other/rec1/d.png'];
      for (const key of keys) await store.put(key, Buffer.from(key));
      assert.deepEqual(await store.list(''), [...keys].sort());
      assert.deepEqual(await store.list('col/rec1/'), ['col/rec1/a.png', 'col/rec1/thumbs_a.png/100x100_a.png']);
      assert.deepEqual(await store.list('col/rec1'), ['col/rec1/a.png', 'col/rec1/thumbs_a.png/100x100_a.png', 'col/rec10/b.png']);
      assert.deepEqual(await store.list('col/rec1/a'), ['col/rec1/a.png']);
      assert.deepEqual(await store.list('missing/'), []);
      assert.equal(await store.deletePrefix('col/rec1/'), 2);
      assert.deepEqual(await store.list(''), ['col/rec10/b.png', 'col/rec2/c.png', 'other/rec1/d.png']);
      assert.equal(await store.deletePrefix('col/rec1/'), 0);
      assert.equal(await store.deletePrefix('col/'), 2);
      assert.deepEqual(await store.list(''), ['other/rec1/d.png']);
      // The pruned folders can be written again.
      await store.put('col/rec1/a.png', Buffer.from('again'));
      assert.deepEqual(await store.list('col/'), ['col/rec1/a.png']);
    });

    test('list and deletePrefix cover every key of a large folder, in order', async (t) => {
      const store = await setup(t);
      if (!store) return;
      // Enough keys to span several listing pages on backends that page (S3 runs with small pages in tests).
      const keys = Array.from({ length: 23 }, (_, i) => `many/r${String(i).padStart(2, '0')}/f.txt`);
      await Promise.all(keys.map((key) => store.put(key, Buffer.from(key))));
      await store.put('other/keep.txt', Buffer.from('keep'));
      assert.deepEqual(await store.list('many/'), keys);
      assert.equal(await store.deletePrefix('many/'), keys.length);
      assert.deepEqual(await store.list(''), ['other/keep.txt']);
    });

    test('a stored content type is reported by stat when the backend keeps one', async (t) => {
      const store = await setup(t);
      if (!store) return;
      const attrs = await store.put('ct/a.json', Buffer.from('{}'), 'application/json');
      assert.equal(attrs.contentType, 'application/json');
      const stat = await store.stat('ct/a.json');
      assert.ok(stat);
      // Local disk keeps no metadata (undefined); a backend that keeps it must keep it right.
      if (stat.contentType !== undefined) assert.equal(stat.contentType, 'application/json');
    });

    test('close is idempotent', async (t) => {
      const store = await setup(t);
      if (!store) return;
      await store.close();
      await store.close();
    });
  });
}
