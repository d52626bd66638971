import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestDatabase } from '../testing/databases.js';
import { eventually } from '../testing/eventually.js';
import { LogStore, logDate, newLogId } from './log-store.js';
import type { LogRow } from './log-store.js';
import { LogWriter } from './log-writer.js';

/** A real store that also records the size of every insert it is handed. */
class CountingStore extends LogStore {
  readonly inserts: number[] = [];
  override insertRows(rows: readonly LogRow[]): Promise<void> {
    this.inserts.push(rows.length);
    return super.insertRows(rows);
  }
}

const entry = (message: string) => {
  const now = logDate();
  return { id: newLogId(), created: now, updated: now, level: 0, message, data: {} };
};

test('a busy writer flushes whole batches at once and the rest after its interval; close writes everything', async (t) => {
  const tdb = await createTestDatabase('sqlite');
  t.after(() => tdb.cleanup());
  const store = new CountingStore(tdb.db);
  await store.ensureTable();
  const writer = new LogWriter(store, { maxBuffer: 4, intervalMs: 150 });

  for (let i = 0; i < 10; i++) writer.write(entry(`m${i}`));
  await eventually(() => store.inserts.length === 1, 'the full batches are written');
  assert.deepEqual(store.inserts, [8]);
  assert.equal(writer.pending, 2);
  // The remainder waits for the interval, not for a full batch.
  await eventually(() => store.inserts.length === 2, 'the remainder is written after the interval');
  assert.deepEqual(store.inserts, [8, 2]);
  assert.equal(writer.pending, 0);

  writer.write(entry('last'));
  await writer.close();
  assert.deepEqual(store.inserts, [8, 2, 1]);
  const { items, total } = await store.list({ limit: 20, offset: 0, orderBy: '"id"' });
  assert.equal(total, 11);
  assert.deepEqual(items.map((e) => e.message), [...Array.from({ length: 10 }, (_, i) => `m${i}`), 'last']);
});
