// The payment providers. StripeProvider talks to a local HTTP server standing in for
// api.stripe.com (no network): the request it sends, and how each kind of answer is read.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { LocalProvider, StripeProvider } from './payments.js';

interface Seen {
  path: string;
  headers: IncomingMessage['headers'];
  form: URLSearchParams;
}

async function fakeStripe(answer: (seen: Seen) => { status: number; body: unknown }) {
  const seen: Seen[] = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const s = { path: req.url ?? '', headers: req.headers, form: new URLSearchParams(body) };
    seen.push(s);
    const a = answer(s);
    res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { seen, apiBase: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

const request = { orderId: 'ord123456789012', amount: 12936, currency: 'EUR', email: 'ada@shop.test', idempotencyKey: 'order-ord123456789012' };

test('StripeProvider: a confirmed PaymentIntent, sent form-encoded with the key and an idempotency key', async () => {
  const stripe = await fakeStripe(() => ({ status: 200, body: { id: 'pi_1', status: 'succeeded' } }));
  try {
    const provider = new StripeProvider('sk_test_abc', { apiBase: stripe.apiBase });
    assert.deepEqual(await provider.createPayment({ ...request, paymentMethod: 'pm_card_visa' }), { status: 'succeeded', paymentId: 'pi_1' });
    const [s] = stripe.seen;
    assert.equal(s?.path, '/v1/payment_intents');
    assert.equal(s?.headers.authorization, 'Bearer sk_test_abc');
    assert.equal(s?.headers['idempotency-key'], 'order-ord123456789012');
    assert.equal(s?.form.get('amount'), '12936');
    assert.equal(s?.form.get('currency'), 'eur');
    assert.equal(s?.form.get('metadata[orderId]'), 'ord123456789012');
    assert.equal(s?.form.get('payment_method'), 'pm_card_visa');
    assert.equal(s?.form.get('confirm'), 'true');
    assert.equal(s?.form.get('receipt_email'), 'ada@shop.test');

    await provider.refund('pi_1', 'refund-ord123456789012');
    assert.equal(stripe.seen[1]?.path, '/v1/refunds');
    assert.equal(stripe.seen[1]?.form.get('payment_intent'), 'pi_1');
    assert.equal(stripe.seen[1]?.headers['idempotency-key'], 'refund-ord123456789012');
  } finally {
    await stripe.close();
  }
});

test('StripeProvider: no payment method -> pending with the client secret; a declined card -> failed; an outage throws', async () => {
  let next: { status: number; body: unknown } = { status: 200, body: { id: 'pi_2', status: 'requires_payment_method', client_secret: 'pi_2_secret_x' } };
  const stripe = await fakeStripe(() => next);
  try {
    const provider = new StripeProvider('sk_test_abc', { apiBase: stripe.apiBase });
    assert.deepEqual(await provider.createPayment(request), { status: 'pending', paymentId: 'pi_2', clientSecret: 'pi_2_secret_x' });
    assert.equal(stripe.seen[0]?.form.has('confirm'), false);

    next = { status: 402, body: { error: { type: 'card_error', code: 'card_declined', message: 'Your card was declined.', payment_intent: { id: 'pi_3' } } } };
    assert.deepEqual(await provider.createPayment({ ...request, paymentMethod: 'pm_card_chargeDeclined' }), { status: 'failed', paymentId: 'pi_3', reason: 'Your card was declined.' });

    next = { status: 500, body: { error: { type: 'api_error', message: 'boom' } } };
    await assert.rejects(provider.createPayment(request), /Stripe answered 500: boom/);
  } finally {
    await stripe.close();
  }
  assert.throws(() => new StripeProvider('pk_test_public'), /secret/);
});

test('LocalProvider: decides by the test payment method, is idempotent per key, and can decline everything', async () => {
  const local = new LocalProvider();
  assert.equal((await local.createPayment(request)).status, 'succeeded');
  assert.equal((await local.createPayment({ ...request, idempotencyKey: 'k2', paymentMethod: 'pm_card_chargeDeclined' })).status, 'failed');
  assert.equal((await local.createPayment({ ...request, idempotencyKey: 'k3', paymentMethod: 'pm_card_pending' })).status, 'pending');
  // Same key, other method: the first answer stands (as Stripe's idempotency keys do).
  assert.equal((await local.createPayment({ ...request, paymentMethod: 'pm_card_chargeDeclined' })).status, 'succeeded');
  assert.equal((await new LocalProvider({ declineAll: true }).createPayment(request)).status, 'failed');
});
