import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase } from '../db/open-database.js';
import { eachDatabase } from '../testing/databases.js';
import { IdempotencyStore, isStorable } from './idempotency-store.js';
import type { StoredResponse } from './idempotency-store.js';

const DAY = 24 * 60 * 60 * 1000;
const ok: StoredResponse = { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"id":"abc"}' };

/** A clock the test moves by hand, to cross the retention and lease limits without waiting. */
function manualClock(start = Date.UTC(2025, 0, 1)) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

describe('isStorable', () => {
  it('stores 2xx-4xx answers except 429; never 5xx', () => {
    for (const s of [200, 201, 204, 400, 404, 409, 422]) assert.equal(isStorable(s), true, String(s));
    for (const s of [429, 500, 502, 503]) assert.equal(isStorable(s), false, String(s));
  });
});

eachDatabase('idempotency: the same key and request replays the stored response', async (db) => {
  const store = new IdempotencyStore(db, { purgeEveryMs: 0 });
  const first = await store.begin('user:1 POST /r', 'k1', 'fp');
  assert.equal(first.kind, 'proceed');
  assert.ok(first.kind === 'proceed' && (await store.complete(first.token, ok)));
  const again = await store.begin('user:1 POST /r', 'k1', 'fp');
  assert.deepEqual(again, { kind: 'replay', response: ok });
  // Replays do not consume the key: a third retry replays too.
  assert.deepEqual(await store.begin('user:1 POST /r', 'k1', 'fp'), { kind: 'replay', response: ok });
});

eachDatabase('idempotency: the same key with another request is a mismatch, also while running', async (db) => {
  const store = new IdempotencyStore(db, { purgeEveryMs: 0 });
  const first = await store.begin('s', 'k', 'fp-a');
  assert.equal(first.kind, 'proceed');
  assert.deepEqual(await store.begin('s', 'k', 'fp-b'), { kind: 'mismatch' });
  if (first.kind === 'proceed') await store.complete(first.token, ok);
  assert.deepEqual(await store.begin('s', 'k', 'fp-b'), { kind: 'mismatch' });
});

eachDatabase('idempotency: keys are scoped (same key, other scope is independent)', async (db) => {
  const store = new IdempotencyStore(db, { purgeEveryMs: 0 });
  assert.equal((await store.begin('user:1 POST /r', 'k', 'fp')).kind, 'proceed');
  assert.equal((await store.begin('user:2 POST /r', 'k', 'fp')).kind, 'proceed');
  assert.equal((await store.begin('user:1 PATCH /r/:id', 'k', 'fp')).kind, 'proceed');
});

eachDatabase('idempotency: a duplicate while the first runs is a conflict; concurrent claims have one winner', async (db) => {
  const store = new IdempotencyStore(db, { purgeEveryMs: 0 });
  const results = await Promise.all(Array.from({ length: 12 }, () => store.begin('s', 'race', 'fp')));
  const kinds = results.map((r) => r.kind).sort();
  assert.deepEqual(kinds, ['conflict', ...Array(10).fill('conflict'), 'proceed'].sort());
  const winner = results.find((r) => r.kind === 'proceed');
  assert.ok(winner?.kind === 'proceed');
  await store.complete(winner.token, ok);
  assert.equal((await store.begin('s', 'race', 'fp')).kind, 'replay');
});

eachDatabase('idempotency: 5xx and 429 are not stored and release the key', async (db) => {
  const store = new IdempotencyStore(db, { purgeEveryMs: 0 });
  for (const status of [500, 503, 429]) {
    const first = await store.begin('s', `k${status}`, 'fp');
    assert.ok(first.kind === 'proceed');
    assert.equal(await store.complete(first.token, { status, headers: {}, body: '{}' }), false);
    const retry = await store.begin('s', `k${status}`, 'fp');
    assert.equal(retry.kind, 'proceed', `after ${status} the retry runs again`);
  }
});

eachDatabase('idempotency: release frees the key, but only for the claim holder', async (db) => {
  const store = new IdempotencyStore(db, { purgeEveryMs: 0 });
  const first = await store.begin('s', 'k', 'fp');
  assert.ok(first.kind === 'proceed');
  await store.release({ ...first.token, id: 'someone-else' });
  assert.equal((await store.begin('s', 'k', 'fp')).kind, 'conflict');
  await store.release(first.token);
  assert.equal((await store.begin('s', 'k', 'fp')).kind, 'proceed');
});

eachDatabase('idempotency: keys expire after the retention and are purged', async (db) => {
  const clock = manualClock();
  const store = new IdempotencyStore(db, { purgeEveryMs: 0, now: clock.now });
  const first = await store.begin('s', 'k', 'fp');
  assert.ok(first.kind === 'proceed');
  await store.complete(first.token, ok);
  const other = await store.begin('s', 'other', 'fp');
  assert.ok(other.kind === 'proceed');
  await store.complete(other.token, ok);

  clock.advance(DAY - 1000);
  assert.equal((await store.begin('s', 'k', 'fp')).kind, 'replay', 'still inside 24 h');
  assert.equal(await store.purge(), 0);

  clock.advance(2000);
  // An expired key is a fresh key, even with another body.
  assert.equal((await store.begin('s', 'k', 'fp-new')).kind, 'proceed');
  assert.equal(await store.purge(), 1, 'only the untouched expired key is purged');
  const left = await db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM "_idempotency"');
  assert.equal(Number(left?.n), 1);
});

eachDatabase('idempotency: a claim abandoned past its lease is taken over; the old holder cannot complete', async (db) => {
  const clock = manualClock();
  const store = new IdempotencyStore(db, { purgeEveryMs: 0, leaseMs: 60_000, now: clock.now });
  const dead = await store.begin('s', 'k', 'fp');
  assert.ok(dead.kind === 'proceed');
  clock.advance(30_000);
  assert.equal((await store.begin('s', 'k', 'fp')).kind, 'conflict');
  clock.advance(31_000);
  const taker = await store.begin('s', 'k', 'fp');
  assert.ok(taker.kind === 'proceed');
  assert.equal(await store.complete(dead.token, { ...ok, body: 'stale' }), false);
  assert.equal(await store.complete(taker.token, ok), true);
  assert.deepEqual(await store.begin('s', 'k', 'fp'), { kind: 'replay', response: ok });
});

eachDatabase(
  'idempotency: two stores (two nodes) on one PostgreSQL share keys',
  async (db, ctx) => {
    assert.ok(ctx.url);
    const other = await openDatabase({ url: ctx.url, dataDir: ctx.dir });
    try {
      const nodeA = new IdempotencyStore(db, { purgeEveryMs: 0 });
      const nodeB = new IdempotencyStore(other, { purgeEveryMs: 0 });
      await nodeA.ensureSchema();
      await nodeB.ensureSchema();
      // Simultaneous claims from both nodes: exactly one wins.
      const results = await Promise.all([
        ...Array.from({ length: 5 }, () => nodeA.begin('s', 'k', 'fp')),
        ...Array.from({ length: 5 }, () => nodeB.begin('s', 'k', 'fp')),
      ]);
      const winners = results.filter((r) => r.kind === 'proceed');
      assert.equal(winners.length, 1);
      assert.equal(results.filter((r) => r.kind === 'conflict').length, 9);
      const w = winners[0];
      assert.ok(w?.kind === 'proceed');
      await nodeA.complete(w.token, ok);
      assert.deepEqual(await nodeB.begin('s', 'k', 'fp'), { kind: 'replay', response: ok });
      assert.deepEqual(await nodeB.begin('s', 'k', 'fp-other'), { kind: 'mismatch' });
    } finally {
      await other.close();
    }
  },
  { only: ['postgres'] },
);
