/**
 * Custom routes over real HTTP on SQLite and PostgreSQL: built-in auth, schema validation with
 * PocketBase-shaped errors, the idempotency middleware, rule checks, the error registry, the
 * OpenAPI document, and that built-in routes and unknown paths are unaffected.
 */
import assert from 'node:assert/strict';
import { z } from 'zod';
import { findAuthRecordById } from '../../src/auth/auth-record.js';
import { issueAuthToken } from '../../src/auth/password-auth.js';
import { createFixtureUser } from '../api/api-fixture.js';
import { eachAppDialect } from '../http/test-app.js';

eachAppDialect('custom routes: auth, schema, idempotency, rules, errors, OpenAPI', async (t) => {
  const { app } = t;
  await app.collections.create({ name: 'products', fields: [{ name: 'stock', type: 'number' }, { name: 'price', type: 'number' }] });
  const users = app.collections.find('users')!;
  await app.collections.create({ name: 'orders', fields: [
    { name: 'product', type: 'text' }, { name: 'qty', type: 'number' }, { name: 'total', type: 'number' },
    { name: 'buyer', type: 'relation', collectionId: users.id, maxSelect: 1 },
  ] });
  const product = await app.transaction((tx) => tx.records.create('products', { stock: 5, price: 3 }));

  app.routes.post('/api/shop/checkout', async (e) => {
    const buyer = e.requireAuth('users');
    return app.transaction(async (tx) => {
      if (!(await tx.records.decrement('products', e.body.product, 'stock', e.body.qty, { min: 0 }))) {
        throw e.error('conflict', 'Not enough stock.');
      }
      const p = await tx.records.get('products', e.body.product);
      return tx.records.create('orders', { product: e.body.product, qty: e.body.qty, total: Number(p?.price) * e.body.qty, buyer: buyer.record.id });
    });
  }, {
    auth: true,
    idempotent: true,
    summary: 'Buy a product',
    schema: { body: z.object({ product: z.string().min(1), qty: z.number().int().positive() }) },
  });
  app.routes.get('/api/shop/orders/:id', async (e) => {
    if (!(await e.checkRule('orders', e.params.id!, 'buyer = @request.auth.id'))) throw e.error('not_found');
    return app.transaction((tx) => tx.records.get('orders', e.params.id!));
  }, { auth: 'users' });
  app.routes.get('/api/shop/ping', (e) => ({ n: e.query.n }), { schema: { query: z.object({ n: z.coerce.number().int() }) } });
  app.routes.delete('/api/shop/nothing', () => undefined, { auth: 'superuser' });

  const alice = await createFixtureUser(t);
  const bob = await createFixtureUser(t);
  const checkout = (body: unknown, token: string | null, key?: string) =>
    t.call('POST', '/api/shop/checkout', { body, token, ...(key ? { headers: { 'idempotency-key': key } } : {}) });

  const guest = await checkout({ product: product.id, qty: 1 }, null);
  assert.equal(guest.status, 401);
  assert.deepEqual(Object.keys(guest.body).sort(), ['data', 'message', 'status']);

  const bad = await checkout({ product: product.id, qty: -1 }, alice.userToken);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.data.qty.code, 'validation_invalid_value');
  const missing = await checkout({ qty: 1 }, alice.userToken);
  assert.equal(missing.status, 400);
  assert.equal(missing.body.data.product.code, 'validation_required');

  const first = await checkout({ product: product.id, qty: 2 }, alice.userToken, 'k-1');
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.total, 6);
  const replay = await checkout({ product: product.id, qty: 2 }, alice.userToken, 'k-1');
  assert.equal(replay.status, 200);
  assert.equal(replay.body.id, first.body.id);
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  const reused = await checkout({ product: product.id, qty: 1 }, alice.userToken, 'k-1');
  assert.ok(reused.status >= 400 && reused.status < 500);
  assert.equal((await app.transaction((tx) => tx.records.get('products', String(product.id))))?.stock, 3);

  const tooMany = await checkout({ product: product.id, qty: 4 }, alice.userToken);
  assert.deepEqual(tooMany.body, { status: 409, message: 'Not enough stock.', data: {} });

  assert.equal((await t.call('GET', `/api/shop/orders/${first.body.id}`, { token: alice.userToken })).body.id, first.body.id);
  assert.equal((await t.call('GET', `/api/shop/orders/${first.body.id}`, { token: bob.userToken })).status, 404);
  // A superuser passes the collection guard, but the rule names the buyer.
  assert.equal((await t.call('GET', `/api/shop/orders/${first.body.id}`)).status, 404);
  const admins = await t.call('GET', `/api/shop/orders/${first.body.id}`, { token: null });
  assert.equal(admins.status, 401);

  assert.deepEqual((await t.call('GET', '/api/shop/ping?n=4', { token: null })).body, { n: 4 });
  assert.equal((await t.call('GET', '/api/shop/ping?n=x', { token: null })).status, 400);
  assert.equal((await t.call('DELETE', '/api/shop/nothing')).status, 204);
  assert.equal((await t.call('DELETE', '/api/shop/nothing', { token: alice.userToken })).status, 403);

  const unknown = await t.call('POST', '/api/shop/nope', { body: {} });
  assert.deepEqual(unknown.body, { status: 404, message: "The requested resource wasn't found.", data: {} });
  assert.equal((await t.call('GET', '/api/health')).status, 200);

  const spec = await t.call('GET', '/api/openapi.json');
  const op = spec.body.paths['/api/shop/checkout'].post;
  assert.equal(op.summary, 'Buy a product');
  assert.deepEqual(op.requestBody.content['application/json'].schema.required.sort(), ['product', 'qty']);
  assert.ok(spec.body.paths['/api/shop/orders/{id}'].get.parameters.some((p: { name: string }) => p.name === 'id'));

  // Routes can be removed (app file reload) and the document follows.
  app.routes.replaceAll(app.routes.list().filter((r) => r.path !== '/api/shop/ping'));
  assert.equal((await t.call('GET', '/api/shop/ping?n=4')).status, 404);
  assert.equal((await t.call('GET', '/api/openapi.json')).body.paths['/api/shop/ping'], undefined);
});

eachAppDialect('custom routes: mfa: true refuses a one-factor session before the Idempotency-Key is claimed', async (t) => {
  const { app } = t;
  let runs = 0;
  app.routes.post('/api/bank/move', () => ({ runs: ++runs }), { auth: 'users', mfa: true, idempotent: 'required' });
  const alice = await createFixtureUser(t);
  const users = app.collections.find('users')!;
  const record = await findAuthRecordById(app.db, users, alice.userId);
  const twoFactors = issueAuthToken(users, record!, true, undefined, ['password', 'totp']);
  const sameFactorTwice = issueAuthToken(users, record!, true, undefined, ['password', 'password']);
  const move = (token: string | null, key: string) => t.call('POST', '/api/bank/move', { body: {}, token, headers: { 'idempotency-key': key } });

  assert.equal((await move(null, 'k1')).status, 401);
  for (const token of [alice.userToken, sameFactorTwice]) {
    const refused = await move(token, 'k1');
    assert.equal(refused.status, 403);
    assert.equal(refused.body.data.mfa.code, 'mfa_required');
  }
  // Nothing was stored under k1: the two-factor session runs the handler with it, once.
  const first = await move(twoFactors, 'k1');
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.deepEqual(first.body, { runs: 1 });
  assert.equal(first.headers.get('idempotent-replayed'), null);
  const replay = await move(twoFactors, 'k1');
  assert.deepEqual(replay.body, { runs: 1 });
  assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  assert.equal(runs, 1);

  const op = (await t.call('GET', '/api/openapi.json')).body.paths['/api/bank/move'].post;
  assert.ok(op.responses['403']);
  assert.deepEqual(op.security, [{ authToken: [] }]);
});
