/**
 * Record lifecycle and request hooks through the REST API, on SQLite and PostgreSQL: which hooks
 * fire in which order (`expectedEvents`), tags limit handlers to a collection, priorities order
 * them, changes before `next()` are written, and an error in a hook rolls the write back and
 * answers in the error registry's shape.
 */
import assert from 'node:assert/strict';
import { apiError } from '../../src/core/errors.js';
import type { AppHookName } from '../../src/hooks/app-hooks.js';
import { eachAppDialect } from '../http/test-app.js';
import type { TestApp } from '../http/test-app.js';

const HOOKS: AppHookName[] = [
  'onRecordsListRequest', 'onRecordViewRequest', 'onRecordCreateRequest', 'onRecordUpdateRequest', 'onRecordDeleteRequest',
  'onRecordValidate', 'onRecordCreate', 'onRecordUpdate', 'onRecordDelete',
  'onRecordAfterCreateSuccess', 'onRecordAfterUpdateSuccess', 'onRecordAfterDeleteSuccess',
  'onRecordAfterCreateError', 'onRecordAfterUpdateError', 'onRecordAfterDeleteError',
];

async function setup(t: TestApp): Promise<string[]> {
  const res = await t.call('POST', '/api/collections', { body: {
    name: 'orders',
    fields: [{ name: 'item', type: 'text' }, { name: 'qty', type: 'number' }, { name: 'note', type: 'text' }],
    listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
  } });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const other = await t.call('POST', '/api/collections', { body: { name: 'other', fields: [{ name: 'x', type: 'text' }], createRule: '' } });
  assert.equal(other.status, 200);
  const events: string[] = [];
  for (const name of HOOKS) t.app.hooks[name].on('orders').bindFunc((e) => { events.push(name); return e.next(); });
  return events;
}

async function count(t: TestApp, collection: string): Promise<number> {
  const row = await t.app.db.get<{ n: unknown }>(`SELECT COUNT(*) AS "n" FROM "${collection}"`);
  return Number(row?.n);
}

eachAppDialect('record hooks fire in order and roll back on error', async (t) => {
  const events = await setup(t);
  const scenario = async (
    name: string,
    method: string,
    path: string,
    body: unknown,
    expectedStatus: number,
    expectedEvents: string[],
  ): Promise<any> => {
    events.length = 0;
    const res = await t.call(method, path, body === undefined ? {} : { body });
    assert.equal(res.status, expectedStatus, `${name}: ${JSON.stringify(res.body)}`);
    assert.deepEqual(events, expectedEvents, name);
    return res.body;
  };

  const created = await scenario('create', 'POST', '/api/collections/orders/records', { item: 'tea', qty: 2 }, 200,
    ['onRecordCreateRequest', 'onRecordValidate', 'onRecordCreate', 'onRecordAfterCreateSuccess']);
  const P = `/api/collections/orders/records/${created.id}`;
  await scenario('view', 'GET', P, undefined, 200, ['onRecordViewRequest']);
  await scenario('list', 'GET', '/api/collections/orders/records', undefined, 200, ['onRecordsListRequest']);
  await scenario('update', 'PATCH', P, { qty: 3 }, 200,
    ['onRecordUpdateRequest', 'onRecordValidate', 'onRecordUpdate', 'onRecordAfterUpdateSuccess']);
  await scenario('another collection fires nothing tagged orders', 'POST', '/api/collections/other/records', { x: 'y' }, 200, []);
  await scenario('field error (no write hooks)', 'POST', '/api/collections/orders/records', { qty: 'many' }, 400,
    ['onRecordCreateRequest', 'onRecordValidate', 'onRecordAfterCreateError']);

  // Priorities: lower first; a change made before next() is written.
  const order: string[] = [];
  const late = t.app.hooks.onRecordCreate.bind({ priority: 10, fn: async (e) => { order.push('late'); e.record.note = `${String(e.record.note)}+late`; await e.next(); } });
  const early = t.app.hooks.onRecordCreate.bind({ priority: -10, fn: async (e) => { order.push('early'); e.record.note = 'early'; await e.next(); } });
  const noted = await scenario('priorities', 'POST', '/api/collections/orders/records', { item: 'x' }, 200,
    ['onRecordCreateRequest', 'onRecordValidate', 'onRecordCreate', 'onRecordAfterCreateSuccess']);
  assert.deepEqual(order, ['early', 'late']);
  assert.equal(noted.note, 'early+late');
  t.app.hooks.onRecordCreate.unbind(early, late);

  // A validate hook adds a field error: PocketBase's 400 shape, nothing written.
  const v = t.app.hooks.onRecordValidate.on('orders').bindFunc((e) => {
    if (Number(e.record.qty) > 10) e.addError('qty', 'At most 10 per order.');
    return e.next();
  });
  const before = await count(t, 'orders');
  const invalid = await scenario('validate hook error', 'POST', '/api/collections/orders/records', { item: 'x', qty: 11 }, 400,
    ['onRecordCreateRequest', 'onRecordValidate', 'onRecordAfterCreateError']);
  assert.deepEqual(invalid.data, { qty: { code: 'validation_invalid_value', message: 'At most 10 per order.' } });
  t.app.hooks.onRecordValidate.unbind(v);

  // An error thrown after next() inside the transaction rolls the insert (and the hook's own
  // writes, and its job enqueue) back and answers in the registry's shape.
  const h = t.app.hooks.onRecordCreate.on('orders').bindFunc(async (e) => {
    await e.next();
    await e.tx.run(`INSERT INTO "other" ("id", "x") VALUES ('sidewrite000001', 'side')`);
    await t.app.jobs.enqueue('hooks.test', { id: e.record.id });
    throw apiError('conflict', 'Out of stock.');
  });
  const otherBefore = await count(t, 'other');
  const failed = await scenario('hook error rolls back', 'POST', '/api/collections/orders/records', { item: 'x', qty: 1 }, 409,
    ['onRecordCreateRequest', 'onRecordValidate', 'onRecordCreate', 'onRecordAfterCreateError']);
  assert.deepEqual(failed, { status: 409, message: 'Out of stock.', data: {} });
  assert.equal(await count(t, 'orders'), before);
  assert.equal(await count(t, 'other'), otherBefore);
  const jobs = await t.app.db.get<{ n: unknown }>(`SELECT COUNT(*) AS "n" FROM "_jobs" WHERE "kind" = 'hooks.test'`);
  assert.equal(Number(jobs?.n), 0);
  t.app.hooks.onRecordCreate.unbind(h);

  // An unexpected error: a bare 500 in the registry's shape, no stack or message leaked.
  const boom = t.app.hooks.onRecordUpdate.on('orders').bindFunc(() => { throw new Error('secret internals'); });
  const crashed = await scenario('plain error is a bare 500', 'PATCH', P, { qty: 4 }, 500,
    ['onRecordUpdateRequest', 'onRecordValidate', 'onRecordUpdate', 'onRecordAfterUpdateError']);
  assert.equal(crashed.status, 500);
  assert.ok(!JSON.stringify(crashed).includes('secret internals'));
  t.app.hooks.onRecordUpdate.unbind(boom);
  const still = await t.call('GET', P);
  assert.equal(still.body.qty, 3);

  // A request hook may answer without the default action, or change its result.
  const r = t.app.hooks.onRecordViewRequest.on('orders').bindFunc((e) => { e.result = { custom: e.id }; });
  await scenario('request hook answers itself', 'GET', P, undefined, 200, ['onRecordViewRequest']);
  assert.deepEqual((await t.call('GET', P)).body, { custom: created.id });
  t.app.hooks.onRecordViewRequest.unbind(r);
  // Regression: skipping next() without setting a result answered a 200 with an empty body, not the documented 204.
  const skip = t.app.hooks.onRecordsListRequest.on('orders').bindFunc(() => {});
  const skipped = await t.call('GET', '/api/collections/orders/records');
  assert.equal(skipped.status, 204);
  assert.equal(skipped.body, null);
  t.app.hooks.onRecordsListRequest.unbind(skip);
  const lr = t.app.hooks.onRecordsListRequest.bindFunc(async (e) => {
    await e.next();
    (e.result as { items: Array<Record<string, unknown>> }).items.forEach((i) => { i.seen = true; });
  });
  const listed = await t.call('GET', '/api/collections/orders/records');
  assert.ok(listed.body.items.length > 0 && listed.body.items.every((i: { seen?: boolean }) => i.seen === true));
  t.app.hooks.onRecordsListRequest.unbind(lr);

  await scenario('delete', 'DELETE', P, undefined, 204,
    ['onRecordDeleteRequest', 'onRecordDelete', 'onRecordAfterDeleteSuccess']);
  await scenario('delete missing', 'DELETE', P, undefined, 404, ['onRecordDeleteRequest', 'onRecordAfterDeleteError']);
});
