import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CustomRoutes } from './custom-routes.js';

test('custom routes: matching, precedence, replacement and path checks', () => {
  const r = new CustomRoutes();
  const byParam = r.get('/api/shop/orders/:id', () => 'param');
  r.get('/api/shop/orders/latest', () => 'static');
  r.post('/api/shop/orders/:id/pay', () => 'pay');
  assert.equal(r.find('GET', '/api/shop/orders/latest')?.route.path, '/api/shop/orders/latest');
  assert.deepEqual(r.find('GET', '/api/shop/orders/a%20b')?.params, { id: 'a b' });
  assert.deepEqual(r.find('HEAD', '/api/shop/orders/x/')?.params, { id: 'x' });
  assert.equal(r.find('POST', '/api/shop/orders/x'), undefined);
  assert.deepEqual(r.find('POST', '/api/shop/orders/x/pay')?.params, { id: 'x' });
  assert.equal(r.find('GET', '/api/shop/orders/x/pay'), undefined);
  assert.equal(r.find('GET', '/api/shop/orders%2Fx'), undefined);

  const v = r.version;
  const again = r.get('/api/shop/orders/:id', () => 'replaced');
  assert.notEqual(again, byParam);
  assert.equal(r.list().filter((x) => x.path === '/api/shop/orders/:id').length, 1);
  assert.ok(r.version > v);
  r.remove(again);
  assert.equal(r.find('GET', '/api/shop/orders/x'), undefined);

  for (const bad of ['api/x', '/api/x?y=1', '/api/*', '/_/x', '/_']) assert.throws(() => r.get(bad, () => 1), TypeError, bad);
});
