import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TransientAsyncStorage } from './transient-async-storage.js';

test('a TransientAsyncStorage holds its store inside run only, through awaits, nesting and concurrency', async () => {
  const storage = new TransientAsyncStorage<string>();
  assert.equal(storage.getStore(), undefined);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const outer = storage.run('outer', async () => {
    await gate;
    assert.equal(storage.getStore(), 'outer', 'the store survives awaits');
    await storage.run('inner', async () => {
      await null;
      assert.equal(storage.getStore(), 'inner');
    });
    assert.equal(storage.getStore(), 'outer');
    assert.equal(storage.exit(() => storage.getStore()), undefined);
    return 'done';
  });
  assert.equal(await storage.run('other', async () => storage.getStore()), 'other');
  release();
  assert.equal(await outer, 'done');
  assert.equal(storage.getStore(), undefined);
  await assert.rejects(storage.run('x', async () => Promise.reject(new Error('boom'))), /boom/);
  assert.throws(() => storage.run('x', () => { throw new Error('sync'); }), /sync/);
});

// In a process of its own: the test runner itself keeps async_hooks on.
test('once no run is pending, async_hooks are off again (they tax every promise on Node < 24)', async () => {
  const fixture = fileURLToPath(new URL('./transient-async-storage.fixture.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', fixture]);
  const seen = JSON.parse(stdout) as { before: boolean | null; during: boolean | null; after: boolean | null; afterFailure: boolean | null };
  if (seen.before === null) return; // this Node does not expose the hook state
  assert.deepEqual(seen, { before: false, during: seen.during, after: false, afterFailure: false });
});
