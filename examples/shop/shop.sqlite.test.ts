import { test } from 'node:test';
import { shopScenario } from './shop-scenario.js';

test('examples/shop [sqlite]: 500 concurrent checkouts of 100 lamps sell 100; retries, declines, expiry, Stripe webhook', (ctx) => shopScenario('sqlite', ctx));
