import assert from 'node:assert/strict';
import { test } from 'node:test';
import { discountAmount, PricingError, quote, shippingCost, zoneOf } from './pricing.js';

test('zones: home country, EU, rest of the world', () => {
  assert.equal(zoneOf('de'), 'domestic');
  assert.equal(zoneOf('FR'), 'eu');
  assert.equal(zoneOf('US'), 'world');
});

test('shipping grows with zone, started 500 g steps and speed', () => {
  assert.equal(shippingCost({ country: 'DE', weightGrams: 0, speed: 'standard' }), 490);
  assert.equal(shippingCost({ country: 'DE', weightGrams: 500, speed: 'standard' }), 540);
  assert.equal(shippingCost({ country: 'DE', weightGrams: 501, speed: 'standard' }), 590);
  assert.equal(shippingCost({ country: 'FR', weightGrams: 1200, speed: 'standard' }), 990 + 3 * 120);
  assert.equal(shippingCost({ country: 'FR', weightGrams: 1200, speed: 'express' }), Math.ceil((1350 * 180) / 100));
  assert.equal(shippingCost({ country: 'DE', weightGrams: 1000, speed: 'overnight' }), 590 * 3);
  assert.equal(shippingCost({ country: 'US', weightGrams: 2000, speed: 'standard' }), 1990 + 4 * 350);
  assert.throws(() => shippingCost({ country: 'US', weightGrams: 100, speed: 'overnight' }), PricingError);
  assert.throws(() => shippingCost({ country: 'DE', weightGrams: 40_000, speed: 'standard' }), /cannot be shipped/);
  assert.throws(() => shippingCost({ country: 'DE', weightGrams: 1.5, speed: 'standard' }), PricingError);
});

test('discounts never exceed the subtotal', () => {
  assert.equal(discountAmount(1999, { kind: 'percent', value: 10 }), 199);
  assert.equal(discountAmount(1000, { kind: 'fixed', value: 500 }), 500);
  assert.equal(discountAmount(300, { kind: 'fixed', value: 500 }), 300);
  assert.equal(discountAmount(300, { kind: 'percent', value: 150 }), 300);
  assert.equal(discountAmount(300, undefined), 0);
});

test('quote: net prices, tax on discounted goods plus shipping, integer cents', () => {
  const q = quote({
    lines: [{ unitPrice: 2500, qty: 2, weightGrams: 400 }, { unitPrice: 999, qty: 1, weightGrams: 150 }],
    country: 'DE',
    speed: 'standard',
    discount: { kind: 'percent', value: 10 },
    taxRateBp: 1900,
  });
  assert.deepEqual(q, { subtotal: 5999, discount: 599, shipping: 590, tax: Math.round(((5999 - 599 + 590) * 19) / 100), total: 5999 - 599 + 590 + 1138, weightGrams: 950 });
  assert.equal(quote({ lines: [{ unitPrice: 100, qty: 1, weightGrams: 0 }], country: 'US', speed: 'standard', taxRateBp: 0 }).tax, 0);
});
