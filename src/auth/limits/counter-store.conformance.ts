/**
 * What every CounterStore backend must do, run against each one from `counter-store.test.ts`.
 * Expiry is checked by polling with a deadline (no fixed sleeps), with windows of tens of ms.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import { uniqueTestName } from '../../testing/services.js';
import type { CounterStore } from './counter-store.js';

export interface CounterStoreBackend {
  name: string;
  /** A fresh store, or undefined after skipping `t` when the service is down. */
  open(t: TestContext): Promise<CounterStore | undefined>;
}

async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function counterStoreConformance(backend: CounterStoreBackend): void {
  const each = (name: string, fn: (store: CounterStore, key: string) => Promise<void>) =>
    test(`${backend.name}: ${name}`, async (t) => {
      const store = await backend.open(t);
      if (!store) return;
      try {
        await fn(store, uniqueTestName('counter'));
      } finally {
        await store.close();
      }
    });

  each('increment counts within a window and starts again after it', async (store, key) => {
    const first = await store.increment(key, 60_000);
    assert.equal(first.count, 1);
    assert.ok(first.resetMs > 0 && first.resetMs <= 60_000);
    assert.equal((await store.increment(key, 60_000)).count, 2);
    // A later hit never moves the window (fixed window).
    const third = await store.increment(key, 1);
    assert.equal(third.count, 3);
    assert.ok(third.resetMs > 1);
    const short = `${key}:short`;
    await store.increment(short, 30);
    await until(async () => (await store.increment(short, 30)).count === 1);
  });

  each('concurrent increments lose no hit', async (store, key) => {
    const hits = await Promise.all(Array.from({ length: 50 }, () => store.increment(key, 60_000)));
    assert.deepEqual(hits.map((h) => h.count).sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
  });

  each('block, blockedFor, never shortened, expires, reset', async (store, key) => {
    assert.equal(await store.blockedFor(key), 0);
    await store.block(key, 60_000);
    const left = await store.blockedFor(key);
    assert.ok(left > 50_000 && left <= 60_000, String(left));
    await store.block(key, 10);
    assert.ok((await store.blockedFor(key)) > 50_000, 'a shorter block does not shorten a longer one');
    await store.reset(key);
    assert.equal(await store.blockedFor(key), 0);
    await store.block(key, 30);
    await until(async () => (await store.blockedFor(key)) === 0);
  });

  each('keys are independent', async (store, key) => {
    await store.increment(`${key}:a`, 60_000);
    await store.increment(`${key}:a`, 60_000);
    assert.equal((await store.increment(`${key}:b`, 60_000)).count, 1);
    await store.reset(`${key}:a`);
    assert.equal((await store.increment(`${key}:a`, 60_000)).count, 1);
  });
}
