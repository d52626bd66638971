import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AsyncMutex } from './async-mutex.js';

test('serves waiters in arrival order', async () => {
  const m = new AsyncMutex();
  const order: number[] = [];
  const release0 = await m.acquire();
  const waiters = Array.from({ length: 20 }, (_, i) =>
    m.acquire().then((release) => {
      order.push(i);
      release();
    }),
  );
  assert.equal(m.pending, 20);
  release0();
  await Promise.all(waiters);
  assert.deepEqual(order, Array.from({ length: 20 }, (_, i) => i));
  assert.equal(m.locked, false);
});

test('a newcomer cannot barge past queued waiters', async () => {
  const m = new AsyncMutex();
  const order: string[] = [];
  const release = await m.acquire();
  const queued = m.acquire().then((r) => {
    order.push('queued');
    r();
  });
  release();
  // The lock passed to the queued waiter on release, so tryAcquire sees it held.
  assert.equal(m.tryAcquire(), undefined);
  const late = m.acquire().then((r) => {
    order.push('late');
    r();
  });
  await Promise.all([queued, late]);
  assert.deepEqual(order, ['queued', 'late']);
});

test('runExclusive releases on throw and release is idempotent', async () => {
  const m = new AsyncMutex();
  await assert.rejects(m.runExclusive(() => Promise.reject(new Error('boom'))), /boom/);
  assert.equal(m.locked, false);
  const r = await m.acquire();
  r();
  r();
  assert.equal(m.locked, false);
  const r2 = m.tryAcquire();
  assert.ok(r2);
  r2();
});

test('mutual exclusion across awaits', async () => {
  const m = new AsyncMutex();
  let inside = 0;
  let maxInside = 0;
  let counter = 0;
  await Promise.all(
    Array.from({ length: 2000 }, () =>
      m.runExclusive(async () => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        const v = counter;
        await Promise.resolve();
        await new Promise((r) => setImmediate(r));
        counter = v + 1;
        inside--;
      }),
    ),
  );
  assert.equal(counter, 2000);
  assert.equal(maxInside, 1);
});
