/**
 * `app.transaction` on SQLite and PostgreSQL: guarded conditional updates never oversell under
 * 500 concurrent checkouts, row locks serialise read-modify-write, SERIALIZABLE retries, and
 * records, raw SQL, hooks and job enqueues are all or nothing.
 */
import assert from 'node:assert/strict';
import { apiError } from '../../src/core/errors.js';
import { countRows, eachApp } from './hooks-fixture.js';

async function shop(app: import('../../src/app/app.js').App): Promise<string> {
  await app.collections.create({ name: 'products', fields: [{ name: 'name', type: 'text' }, { name: 'stock', type: 'number' }, { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true }] });
  await app.collections.create({ name: 'orders', fields: [{ name: 'product', type: 'text' }, { name: 'buyer', type: 'number' }] });
  const p = await app.transaction((tx) => tx.records.create('products', { name: 'lamp', stock: 100 }));
  return String(p.id);
}

eachApp('500 concurrent checkouts against 100 in stock sell exactly 100', async (app) => {
  const id = await shop(app);
  const results = await Promise.all(Array.from({ length: 500 }, (_, buyer) => app.transaction(async (tx) => {
    if (!(await tx.records.decrement('products', id, 'stock', 1, { min: 0 }))) return false;
    await tx.records.create('orders', { product: id, buyer });
    return true;
  })));
  assert.equal(results.filter(Boolean).length, 100);
  assert.equal(await countRows(app, 'orders'), 100);
  const product = await app.transaction((tx) => tx.records.get('products', id));
  assert.equal(product?.stock, 0);
  // The guard also refuses a decrement larger than what is left, and an unknown id.
  assert.equal(await app.transaction((tx) => tx.records.increment('products', id, 'stock', 3, { max: 2 })), false);
  assert.equal(await app.transaction((tx) => tx.records.increment('products', id, 'stock', 2, { max: 2 })), true);
  assert.equal(await app.transaction((tx) => tx.records.decrement('products', id, 'stock', 3, { min: 0 })), false);
  assert.equal(await app.transaction((tx) => tx.records.decrement('products', 'nope', 'stock', 1)), false);
  await assert.rejects(app.transaction((tx) => tx.records.decrement('products', id, 'name', 1)), TypeError);
});

eachApp('forUpdate reads serialise read-modify-write; serializable retries', async (app) => {
  const id = await shop(app);
  await Promise.all(Array.from({ length: 20 }, () => app.transaction(async (tx) => {
    const p = await tx.records.get('products', id, { forUpdate: true });
    await tx.records.update('products', id, { stock: Number(p?.stock) + 1 });
  })));
  assert.equal((await app.transaction((tx) => tx.records.get('products', id)))?.stock, 120);

  let attempts = 0;
  await Promise.all(Array.from({ length: 4 }, () => app.transaction(async (tx) => {
    attempts++;
    const row = await tx.get<{ stock: number }>('SELECT "stock" FROM "products" WHERE "id" = ?', [id]);
    await tx.run('UPDATE "products" SET "stock" = ? WHERE "id" = ?', [Number(row?.stock) + 1, id]);
  }, { isolation: 'serializable', maxAttempts: 20 })));
  assert.equal((await app.transaction((tx) => tx.records.get('products', id)))?.stock, 124);
  assert.ok(attempts >= 4);
});

eachApp('records, raw SQL, hooks and jobs are all or nothing', async (app) => {
  const id = await shop(app);
  const fired: string[] = [];
  app.hooks.onRecordCreate.on('orders').bindFunc(async (e) => {
    await e.next();
    await e.tx.run('UPDATE "products" SET "name" = ? WHERE "id" = ?', ['touched by hook', id]);
  });
  app.hooks.onRecordAfterCreateSuccess.on('orders').bindFunc((e) => { fired.push(String(e.record.id)); return e.next(); });

  await assert.rejects(app.transaction(async (tx) => {
    assert.equal(await tx.records.decrement('products', id, 'stock', 5, { min: 0 }), true);
    await tx.records.create('orders', { product: id });
    await tx.run('UPDATE "products" SET "name" = ? WHERE "id" = ?', ['raw', id]);
    await app.jobs.enqueue('shop.confirm', { id });
    throw apiError('conflict', 'payment declined');
  }), /payment declined/);
  const after = await app.transaction((tx) => tx.records.get('products', id));
  assert.equal(after?.stock, 100);
  assert.equal(after?.name, 'lamp');
  assert.equal(await countRows(app, 'orders'), 0);
  assert.equal(await countRows(app, '_jobs', `"kind" = 'shop.confirm'`), 0);
  assert.deepEqual(fired, []);

  // The same work committed: everything is there, and the after-success hook ran after COMMIT.
  const order = await app.transaction(async (tx) => {
    await tx.records.decrement('products', id, 'stock', 5, { min: 0 });
    const o = await tx.records.create('orders', { product: id });
    await app.jobs.enqueue('shop.confirm', { id: o.id });
    assert.deepEqual(fired, []);
    return o;
  });
  assert.deepEqual(fired, [order.id]);
  const committed = await app.transaction((tx) => tx.records.get('products', id));
  assert.equal(committed?.stock, 95);
  assert.equal(committed?.name, 'touched by hook');
  assert.equal(await countRows(app, '_jobs', `"kind" = 'shop.confirm'`), 1);
  assert.equal(await app.transaction((tx) => tx.records.get('orders', 'missing')), undefined);
});

eachApp('a failed payment releases its reservation exactly once (guarded status change)', async (app) => {
  const id = await shop(app);
  await app.collections.create({ name: 'reservations', fields: [
    { name: 'product', type: 'text' }, { name: 'qty', type: 'number' },
    { name: 'status', type: 'select', values: ['reserved', 'paid', 'released'], maxSelect: 1 },
  ] });
  const reserve = (qty: number) => app.transaction(async (tx) => {
    if (!(await tx.records.decrement('products', id, 'stock', qty, { min: 0 }))) return undefined;
    return String((await tx.records.create('reservations', { product: id, qty, status: 'reserved' })).id);
  });
  // Payment outcome and expiry race each other: whichever moves the order out of `reserved` first wins.
  const settle = (orderId: string, outcome: 'paid' | 'released') => app.transaction(async (tx) => {
    const res = await tx.run(`UPDATE "reservations" SET "status" = ? WHERE "id" = ? AND "status" = 'reserved'`, [outcome, orderId]);
    if (res.changes !== 1) return false;
    if (outcome === 'released') {
      const order = await tx.records.get('reservations', orderId);
      await tx.records.increment('products', id, 'stock', Number(order?.qty));
    }
    return true;
  });
  const failed = (await reserve(30))!;
  const paid = (await reserve(20))!;
  assert.equal((await app.transaction((tx) => tx.records.get('products', id)))?.stock, 50);
  // The failure webhook and the expiry job both try to release; the stock comes back once.
  const releases = await Promise.all([settle(failed, 'released'), settle(failed, 'released'), settle(failed, 'paid')]);
  assert.equal(releases.filter(Boolean).length, 1);
  assert.equal(await settle(paid, 'paid'), true);
  assert.equal(await settle(paid, 'released'), false, 'a paid order is never released');
  const stock = (await app.transaction((tx) => tx.records.get('products', id)))?.stock;
  const status = (await app.transaction((tx) => tx.records.get('reservations', failed)))?.status;
  assert.equal(stock, status === 'released' ? 80 : 50);
});
