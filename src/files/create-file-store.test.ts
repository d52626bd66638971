import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import { defaultSettings } from '../settings/settings-schema.js';
import { createFileStore, createSettingsFileStore, currentS3Store } from './create-file-store.js';
import type { S3Settings } from './create-file-store.js';
import { S3FileStore } from './s3/s3-file-store.js';

const s3On: S3Settings = {
  ...defaultSettings().s3,
  enabled: true,
  bucket: 'files',
  region: 'eu-west-1',
  endpoint: 'http://127.0.0.1:9',
  accessKey: 'key',
  secret: 'secret',
  forcePathStyle: true,
};

async function tempDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dataDir = await mkdtemp(join(tmpdir(), 'galley-data-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  return dataDir;
}

test('the default store keeps files in <dataDir>/storage', async (t) => {
  const dataDir = await tempDir(t);
  const store = createFileStore({ dataDir });
  assert.equal(store.kind, 'local');
  await store.put('c/r/f.txt', Buffer.from('x'));
  assert.equal(await readFile(join(dataDir, 'storage', 'c', 'r', 'f.txt'), 'utf8'), 'x');
});

test('s3.enabled selects the S3 store, with the settings as options; nothing connects until used', async (t) => {
  const dataDir = await tempDir(t);
  const store = createFileStore({ dataDir, s3: s3On });
  assert.ok(store instanceof S3FileStore);
  assert.equal(store.kind, 's3');
  assert.equal(store.bucket, 'files');
  await store.close();
  assert.equal(createFileStore({ dataDir, s3: { ...s3On, enabled: false } }).kind, 'local');
});

test('the settings store follows the s3 settings, and keeps a replaced store open while a read stream uses it', async (t) => {
  const dataDir = await tempDir(t);
  let s3: S3Settings = defaultSettings().s3;
  const errors: unknown[] = [];
  const store = createSettingsFileStore({ dataDir, s3Settings: () => s3, onError: (err) => errors.push(err) });
  t.after(() => store.close());
  assert.equal(store.kind, 'local');
  assert.equal(currentS3Store(store), undefined);
  await store.put('a/b.txt', Buffer.from('on disk'));
  const reading = await store.get('a/b.txt');

  s3 = s3On;
  assert.equal(store.kind, 's3');
  const first = currentS3Store(store);
  assert.ok(first);
  // A new settings object with the same values keeps the same store (no reconnect).
  s3 = { ...s3On };
  assert.equal(currentS3Store(store), first);
  s3 = { ...s3On, bucket: 'other' };
  assert.notEqual(currentS3Store(store), first);
  assert.equal(currentS3Store(store)?.bucket, 'other');

  // The local store was replaced while `reading` was open: the stream still reads to the end.
  assert.equal((await buffer(reading)).toString(), 'on disk');
  s3 = defaultSettings().s3;
  assert.equal(store.kind, 'local');
  assert.equal((await buffer(await store.get('a/b.txt'))).toString(), 'on disk');
  assert.deepEqual(errors, []);
  await store.close();
  await store.close();
  assert.throws(() => store.kind, /closed/);
});
