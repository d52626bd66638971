import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eachDatabase } from '../testing/databases.js';
import { LOG_INSERT_BATCH, LogStore, logDate, logDateOf, logIdTailText, newLogId } from './log-store.js';

test('log ids have PocketBase shape, never repeat and increase within a process', () => {
  const ids: string[] = [];
  for (let i = 0; i < 20_000; i++) ids.push(newLogId());
  for (const id of ids) assert.match(id, /^[a-z0-9]{15}$/);
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual(ids, [...ids].sort());
});

test('a log id tail is the 7-char base-36 text of its number', () => {
  const span = 36 ** 7;
  const tails = [0, 1, 35, 36, 36 ** 4 - 1, 36 ** 4, 36 ** 4 + 1, 2 ** 31 - 1, 2 ** 31, span / 2, span - 1];
  for (let i = 0; i < 5000; i++) tails.push(Math.floor(Math.random() * span));
  for (const tail of tails) assert.equal(logIdTailText(tail), tail.toString(36).padStart(7, '0'), String(tail));
});

test('logDateOf formats as logDate does', () => {
  const base = Date.UTC(2026, 10, 24, 4, 59, 59, 0);
  const times = [0, 5, 999, 1000, -1, base, base + 7, base + 42, base + 999, base + 1000, base + 3_600_000, Date.UTC(10000, 0, 1), Date.UTC(-1, 0, 1, 0, 0, 0, 5)];
  for (let i = 0; i < 2000; i++) times.push(base + Math.floor(Math.random() * 86_400_000));
  for (const ms of times) assert.equal(logDateOf(ms), logDate(new Date(ms)), String(ms));
});

eachDatabase('insertMany stores every row; an id already taken gets a fresh one', async (db) => {
  const store = new LogStore(db);
  await store.ensureTable();
  const now = logDate();
  const entry = (id: string, message: string) => ({ id, created: now, updated: now, level: 0, message, data: { n: 1 } });
  const taken = newLogId();
  await store.insertMany([entry(taken, 'first')]);
  await store.insertMany([entry(newLogId(), 'second'), entry(taken, 'clash')]);
  const { items, total } = await store.list({ limit: 10, offset: 0 });
  assert.equal(total, 3);
  // Same `created`: newest first by insertion order, which the batch keeps.
  assert.deepEqual(items.map((l) => l.message), ['clash', 'second', 'first']);
  assert.equal((await store.find(taken))?.message, 'first');
  assert.equal(new Set(items.map((l) => l.id)).size, 3);
  assert.deepEqual(items.find((l) => l.message === 'clash')?.data, { n: 1 });
});

eachDatabase('insertMany keeps any text and JSON data as given, in order', async (db) => {
  const store = new LogStore(db);
  await store.ensureTable();
  const odd = 'q"uote\\ back\nline\ttab \u00e9 \u{1F600} \u2028 </script>';
  const data = { s: odd, n: 0.1, big: 12345678901234, neg: -4, t: true, f: null, a: [1, 'x', { k: odd }], o: { nested: { deep: [] } } };
  const entries = Array.from({ length: 7 }, (_, i) => ({ id: newLogId(), created: logDate(new Date(Date.UTC(2026, 0, 1, 0, 0, i))), updated: logDate(), level: i % 2 ? 8 : -4, message: `${i} ${odd}`, data }));
  await store.insertMany(entries);
  const { items } = await store.list({ limit: 10, offset: 0 });
  assert.deepEqual(items, [...entries].reverse());
});

eachDatabase('every row count is stored, in order: whole batches, split remainders, more than a batch', async (db) => {
  const store = new LogStore(db);
  await store.ensureTable();
  const now = logDate();
  let expected = 0;
  for (const count of [1, 3, 127, LOG_INSERT_BATCH, LOG_INSERT_BATCH + 57, 2 * LOG_INSERT_BATCH]) {
    const rows = Array.from({ length: count }, (_, i) => ({ id: newLogId(), created: now, updated: now, level: 0, message: `${count}:${i}`, data: '{}' }));
    await store.insertRows(rows);
    expected += count;
    const { items, total } = await store.list({ limit: count, offset: 0, orderBy: '"id" DESC' });
    assert.equal(total, expected);
    assert.deepEqual(items.map((e) => e.message).reverse(), rows.map((r) => r.message), `count ${count}`);
  }
});
