import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { TransactionContext } from './transaction-context.js';

// The storage is disabled whenever no transaction runs (it keeps async_hooks on otherwise); these
// pin that it comes back for the next transaction and is never disabled under a running one.

const tx = (name: string) => ({ name, live: true });

test('a transaction after the storage was disabled still sees itself across awaits', async () => {
  const context = new TransactionContext<{ name: string; live: boolean }>();
  for (const name of ['first', 'second', 'third']) {
    const t = tx(name);
    const seen = await context.run(t, async () => {
      await tick();
      await Promise.resolve();
      return context.active()?.name;
    });
    assert.equal(seen, name);
    assert.equal(context.active(), undefined, 'no transaction outside run');
  }
});

test('the end of one transaction leaves an overlapping one in place', async () => {
  const context = new TransactionContext<{ name: string; live: boolean }>();
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const long = context.run(tx('long'), async () => {
    await held;
    await tick();
    return context.active()?.name;
  });
  assert.equal(await context.run(tx('short'), async () => context.active()?.name), 'short');
  release();
  assert.equal(await long, 'long');
});

test('a run whose function throws synchronously does not leave the count behind', async () => {
  const context = new TransactionContext<{ name: string; live: boolean }>();
  assert.throws(() =>
    context.run(tx('bad'), () => {
      throw new Error('boom');
    }),
  );
  assert.equal(await context.run(tx('next'), async () => (await tick(), context.active()?.name)), 'next');
});
