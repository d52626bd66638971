import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createFileStore } from './create-file-store.js';

test('the default store keeps files in <dataDir>/storage', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'galley-data-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const store = createFileStore({ dataDir });
  assert.equal(store.kind, 'local');
  await store.put('c/r/f.txt', Buffer.from('x'));
  assert.equal(await readFile(join(dataDir, 'storage', 'c', 'r', 'f.txt'), 'utf8'), 'x');
});
