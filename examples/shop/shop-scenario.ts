/**
 * The shop under load and failure, over HTTP against the example's own app (its migrations and
 * app file loaded into a served App), on SQLite and PostgreSQL: 500 concurrent checkouts of 100
 * lamps sell exactly 100; a retried checkout with the same Idempotency-Key makes one order; a
 * declined payment and an expired reservation give their stock back exactly once; a signed
 * Stripe webhook settles a pending payment and a tampered or stale one is refused.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { loadAppFile } from '../../src/cli/load-app-file.js';
import { Migrator } from '../../src/migrations/migrator.js';
import { eventually } from '../../src/testing/eventually.js';
import { createTestApp, type TestApp } from '../../test/http/test-app.js';
import type { Dialect } from '../../src/db/database.js';
import type { TestContext } from 'node:test';
import { requireService } from '../../src/testing/services.js';
import { Inbox, sdk } from '../../test/realtime/realtime-fixture.js';
import { seedShop } from './seed.js';
import { signStripePayload } from './stripe-signature.js';

const here = (p: string): string => fileURLToPath(new URL(p, import.meta.url));
const LAMP = 'prodlamp0000001';
const POSTER = 'prodposter00001';
const WEBHOOK_SECRET = 'whsec_shop_test';

async function openShop(t: TestApp): Promise<void> {
  await new Migrator({ db: t.app.db, collections: t.app.collections, dir: here('./migrations') }).up();
  process.env.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET;
  process.env.SHOP_PAYMENT_PROVIDER = 'local';
  await loadAppFile(here('./galley.config.ts'), t.app);
  // serve would seed from onServe; this server was already listening when the app file loaded.
  await seedShop(t.app);
}

async function customer(t: TestApp, name: string): Promise<{ token: string; id: string }> {
  const email = `${name}@shop.test`;
  const created = await t.call('POST', '/api/collections/users/records', { body: { email, password: 'pw-12345678', passwordConfirm: 'pw-12345678' }, token: null });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const login = await t.call('POST', '/api/collections/users/auth-with-password', { body: { identity: email, password: 'pw-12345678' }, token: null });
  return { token: login.body.token as string, id: login.body.record.id as string };
}

const stockOf = async (t: TestApp, id: string): Promise<number> => (await t.call('GET', `/api/collections/products/records/${id}`)).body.stock as number;
const orderOf = async (t: TestApp, id: string): Promise<Record<string, any>> => (await t.call('GET', `/api/collections/orders/records/${id}`)).body;
const waitStatus = (t: TestApp, id: string, status: string): Promise<void> =>
  eventually(async () => (await orderOf(t, id)).status === status, `order ${id} becomes ${status}`, { timeoutMs: 30_000 });

/** Run by shop.sqlite.test.ts and shop.postgres.test.ts (one file per database keeps each short). */
export async function shopScenario(dialect: Dialect, ctx: TestContext): Promise<void> {
  if (dialect === 'postgres' && !(await requireService(ctx, 'postgres'))) return;
  const t = await createTestApp(dialect, { config: { dev: true, jobsPollMs: 100 } });
  try {
    await scenario(t);
  } finally {
    await t.cleanup();
  }
}

async function scenario(t: TestApp): Promise<void> {
  await openShop(t);
  const people = await Promise.all(['ada', 'bob', 'cy', 'di', 'ed'].map((n) => customer(t, n)));
  const buyers = people.map((p) => p.token);

  const checkout = (token: string, body: unknown, key?: string) =>
    t.call('POST', '/api/shop/checkout', { body, token, ...(key ? { headers: { 'idempotency-key': key } } : {}) });

  // 500 at once, 100 per customer.
  const burst = await Promise.all(
    Array.from({ length: 500 }, (_, i) => checkout(buyers[i % buyers.length]!, { country: 'DE', items: [{ product: LAMP, qty: 1 }] })),
  );
  const statuses = burst.map((r) => r.status);
  assert.equal(statuses.filter((s) => s === 201).length, 100, `statuses: ${JSON.stringify([...new Set(statuses)])}`);
  assert.equal(statuses.filter((s) => s === 409).length, 400);
  assert.equal(await stockOf(t, LAMP), 0);
  const orders = await t.call('GET', '/api/collections/orders/records?perPage=1');
  assert.equal(orders.body.totalItems, 100);
  // Every sold order gets paid by the payment job and confirmed by mail (a job too).
  const sold = burst.filter((r) => r.status === 201).map((r) => r.body.id as string);
  await eventually(async () => (await t.call('GET', `/api/collections/orders/records?perPage=1&filter=${encodeURIComponent("status='paid'")}`)).body.totalItems === 100, '100 orders paid', { timeoutMs: 60_000 });
  await eventually(async () => (await t.call('GET', '/api/mail/outbox?perPage=200')).body.items?.some((m: any) => m.subject === `Order ${sold[0]} confirmed`), 'a confirmation mail', { timeoutMs: 30_000 });

  // Bob's cart on two devices: the phone follows it through realtime (the SDK's subscribe) while
  // the laptop edits it. Then both check it out at once (a double click): it is bought once, and
  // the phone sees it emptied by the checkout.
  const bob = people[1]!;
  const laptop = sdk(t.url, bob.token);
  const phone = sdk(t.url, bob.token);
  const cart = await laptop.collection('carts').create({ owner: bob.id, items: [{ product: POSTER, qty: 2 }] });
  const seen = new Inbox();
  await phone.collection('carts').subscribe(cart.id, seen.push);
  try {
    await laptop.collection('carts').update(cart.id, { items: [{ product: POSTER, qty: 1 }] });
    await seen.waitFor((items) => items.some((e) => JSON.stringify(e.record.items) === JSON.stringify([{ product: POSTER, qty: 1 }])));
    const twice = await Promise.all([1, 2].map(() => checkout(bob.token, { country: 'DE' })));
    assert.deepEqual(twice.map((r) => r.status).sort(), [201, 400], JSON.stringify(twice.map((r) => r.body)));
    assert.equal(twice.find((r) => r.status === 400)?.body.message, 'The cart is empty.');
    await seen.waitFor((items) => items.some((e) => Array.isArray(e.record.items) && e.record.items.length === 0));
  } finally {
    await phone.realtime.unsubscribe();
  }
  assert.equal(await stockOf(t, POSTER), 19);

  // The same key again (a client retrying after a lost answer): the stored answer, one order.
  const [ada] = buyers as [string];
  const first = await checkout(ada, { country: 'FR', items: [{ product: POSTER, qty: 1 }] }, 'retry-1');
  assert.equal(first.status, 201, JSON.stringify(first.body));
  const again = await checkout(ada, { country: 'FR', items: [{ product: POSTER, qty: 1 }] }, 'retry-1');
  assert.equal(again.status, 201);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(again.body.id, first.body.id);
  assert.equal(await stockOf(t, POSTER), 18);

  // A declined card: the order fails and its stock (and discount use) come back, once.
  const declined = await checkout(ada, { country: 'DE', discountCode: 'ONCE', paymentMethod: 'pm_card_chargeDeclined', items: [{ product: POSTER, qty: 3 }] });
  assert.equal(declined.status, 201, JSON.stringify(declined.body));
  await waitStatus(t, declined.body.id, 'failed');
  assert.equal(await stockOf(t, POSTER), 18);
  const once = await t.call('GET', `/api/collections/discounts/records?filter=${encodeURIComponent("code='ONCE'")}`);
  assert.equal(once.body.items[0].uses, 0);

  // A payment that never settles: the delayed expiry job releases the reservation.
  process.env.SHOP_RESERVATION_MS = '300';
  const stuck = await checkout(ada, { country: 'DE', paymentMethod: 'pm_card_pending', items: [{ product: POSTER, qty: 2 }] });
  delete process.env.SHOP_RESERVATION_MS;
  assert.equal(stuck.status, 201, JSON.stringify(stuck.body));
  await waitStatus(t, stuck.body.id, 'expired');
  assert.equal(await stockOf(t, POSTER), 18);
  // Paid after all (Stripe says so, late): the order stays expired and the money goes back.
  const late = JSON.stringify({ id: 'evt_0', type: 'payment_intent.succeeded', data: { object: { id: 'pi_late', metadata: { orderId: stuck.body.id } } } });
  const lateHook = await t.call('POST', '/api/shop/webhooks/stripe', { raw: late, token: null, headers: { 'stripe-signature': signStripePayload(WEBHOOK_SECRET, late) } });
  assert.equal(lateHook.status, 200, JSON.stringify(lateHook.body));
  assert.equal((await orderOf(t, stuck.body.id)).status, 'expired');
  await eventually(async () => (await t.app.jobs.list({ kind: 'shop.refund', state: 'completed' })).items.some((j) => (j.payload as { paymentId?: string }).paymentId === 'pi_late'), 'the late payment is refunded', { timeoutMs: 30_000 });

  // Stripe's webhook settles a pending payment; the signature is checked over the raw bytes.
  const pending = await checkout(ada, { country: 'DE', paymentMethod: 'pm_card_pending', items: [{ product: POSTER, qty: 1 }] });
  await eventually(async () => (await orderOf(t, pending.body.id)).paymentId !== '', 'the pending payment is noted', { timeoutMs: 30_000 });
  const event = JSON.stringify({ id: 'evt_1', type: 'payment_intent.succeeded', data: { object: { id: 'pi_test_1', metadata: { orderId: pending.body.id } } } });
  const hook = (raw: string, signature: string) => t.call('POST', '/api/shop/webhooks/stripe', { raw, token: null, headers: { 'stripe-signature': signature } });
  const tampered = await hook(event.replace('pi_test_1', 'pi_test_2'), signStripePayload(WEBHOOK_SECRET, event));
  assert.equal(tampered.status, 400);
  assert.match(tampered.body.message, /signature mismatch/);
  const stale = await hook(event, signStripePayload(WEBHOOK_SECRET, event, Math.floor(Date.now() / 1000) - 3600));
  assert.equal(stale.status, 400);
  assert.match(stale.body.message, /tolerance/);
  assert.equal((await orderOf(t, pending.body.id)).status, 'reserved');
  const valid = await hook(event, signStripePayload(WEBHOOK_SECRET, event));
  assert.equal(valid.status, 200, JSON.stringify(valid.body));
  const paid = await orderOf(t, pending.body.id);
  assert.equal(paid.status, 'paid');
  assert.equal(paid.paymentId, 'pi_test_1');
  // The custom routes are in the OpenAPI document, the checkout with its body schema and key header.
  const openapi = await t.call('GET', '/api/openapi.json');
  const op = openapi.body.paths['/api/shop/checkout'].post;
  assert.deepEqual(op.requestBody.content['application/json'].schema.required, ['country']);
  assert.ok(op.parameters.some((p: { name: string }) => p.name === 'Idempotency-Key'));
  assert.ok(openapi.body.paths['/api/shop/webhooks/stripe'].post);
  // Delivered twice (Stripe retries): nothing moves again.
  assert.equal((await hook(event, signStripePayload(WEBHOOK_SECRET, event))).status, 200);
  assert.equal(await stockOf(t, POSTER), 17);
}
