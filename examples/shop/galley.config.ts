/**
 * The shop's app file: `npx galley serve --app examples/shop/galley.config.ts`.
 * Routes, jobs and hooks; the logic lives beside it (orders.ts, pricing.ts, payments.ts,
 * stripe-signature.ts). See README.md for the tour.
 */
import { defineApp } from 'galley';
import { z } from 'zod';
import { notePayment, paymentSucceeded, placeOrder, releaseOrder } from './orders.js';
import { providerFromEnv } from './payments.js';
import { seedShop } from './seed.js';
import { verifyStripeSignature } from './stripe-signature.js';

const ID = /^[a-z0-9]{15}$/;

const checkoutBody = z.object({
  country: z.string().regex(/^[A-Za-z]{2}$/, 'A two-letter country code.').transform((c) => c.toUpperCase()),
  speed: z.enum(['standard', 'express', 'overnight']).default('standard'),
  discountCode: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/).transform((c) => c.toUpperCase()).optional(),
  items: z.array(z.object({ product: z.string().regex(ID), qty: z.number().int().min(1).max(99) })).min(1).max(50).optional(),
  paymentMethod: z.string().regex(/^pm_[A-Za-z0-9_]{1,100}$/).optional(),
});

const cartItems = z.array(z.object({ product: z.string().regex(ID), qty: z.number().int().min(1).max(99) })).max(50);

export default defineApp((app) => {
  const provider = providerFromEnv();
  const webhookSecret = process.env.STRIPE_WEBHOOK_SECRET;

  app.onServe.bindFunc(async (e) => {
    await seedShop(app);
    await e.next();
  });

  // A cart holds [{ product, qty }]; anything else is a 400 with a field error, before the write.
  app.hooks.onRecordValidate.on('carts').bindFunc((e) => {
    if (e.record.items != null && !cartItems.safeParse(e.record.items).success) {
      e.addError('items', 'A list of at most 50 { product, qty } with qty from 1 to 99.');
    }
    return e.next();
  });

  app.routes.post('/api/shop/checkout', async (e) => {
    const { record } = e.requireAuth('users');
    const { order, reservedMs } = await placeOrder(app, {
      userId: String(record.id),
      email: typeof record.email === 'string' ? record.email : undefined,
      ...e.body,
    }, (code, message) => e.error(code, message));
    e.reply.code(201);
    return { ...order, reservedForSeconds: Math.round(reservedMs / 1000) };
  }, {
    auth: 'users',
    idempotent: true,
    summary: 'Reserve the stock of the cart (or the given items) and create an order; payment follows as a job',
    schema: { body: checkoutBody },
  });

  // Payment runs here, in a job: network I/O never happens inside a transaction.
  app.jobs.define<{ orderId: string }>('shop.payment', async (ctx) => {
    const { orderId } = ctx.payload;
    const order = await app.transaction((tx) => tx.records.get('orders', orderId));
    if (!order || order.status !== 'reserved') return { skipped: order?.status ?? 'missing' };
    // Not repeated by a retry of this job; the idempotency key covers a call whose answer was lost.
    const outcome = await ctx.once('create-payment', () => provider.createPayment({
      orderId,
      amount: Number(order.total),
      currency: String(order.currency),
      ...(order.email ? { email: String(order.email) } : {}),
      ...(order.paymentMethod ? { paymentMethod: String(order.paymentMethod) } : {}),
      idempotencyKey: `order-${orderId}`,
      signal: ctx.signal,
    }));
    if (outcome.status === 'succeeded') {
      if ((await paymentSucceeded(app, orderId, outcome.paymentId)) !== 'refund') return { paid: outcome.paymentId };
      // Paid after the reservation expired: the stock may be sold again, so give the money back.
      await provider.refund(outcome.paymentId, `refund-${outcome.paymentId}`, ctx.signal);
      return { refunded: outcome.paymentId };
    }
    if (outcome.status === 'failed') {
      await releaseOrder(app, orderId, 'failed', outcome.reason);
      return { failed: outcome.reason };
    }
    await notePayment(app, orderId, provider.name, outcome.paymentId, outcome.clientSecret);
    return { pending: outcome.paymentId };
  }, { maxAttempts: 8, timeoutMs: 30_000 });

  // Enqueued with the order, delayed by the reservation time: a no-op unless still unpaid.
  app.jobs.define<{ orderId: string }>('shop.reservation.expire', async (ctx) => ({
    released: await releaseOrder(app, ctx.payload.orderId, 'expired', 'Not paid in time.'),
  }));

  app.jobs.define<{ orderId: string; paymentId: string }>('shop.refund', async (ctx) => {
    await provider.refund(ctx.payload.paymentId, `refund-${ctx.payload.paymentId}`, ctx.signal);
  });

  // Stripe tells us how a pending payment ended. The signature covers the exact bytes, hence rawBody.
  app.routes.post('/api/shop/webhooks/stripe', async (e) => {
    if (!webhookSecret) throw e.error('not_found');
    const check = verifyStripeSignature(e.rawBody ?? Buffer.alloc(0), e.request.headers['stripe-signature'] as string | undefined, webhookSecret);
    if (!check.ok) throw e.error('bad_request', `Invalid signature: ${check.reason}.`);
    const event = e.body as { type?: string; data?: { object?: { id?: string; metadata?: { orderId?: string }; last_payment_error?: { message?: string } } } };
    const intent = event.data?.object;
    const orderId = intent?.metadata?.orderId;
    if (!intent?.id || !orderId || !ID.test(orderId)) return { received: true, ignored: true };
    if (event.type === 'payment_intent.succeeded') {
      if ((await paymentSucceeded(app, orderId, intent.id)) === 'refund') {
        await app.jobs.enqueue('shop.refund', { orderId, paymentId: intent.id }, { dedupKey: `refund:${intent.id}` });
      }
    } else if (event.type === 'payment_intent.payment_failed') {
      await releaseOrder(app, orderId, 'failed', intent.last_payment_error?.message ?? 'The payment failed.');
    }
    return { received: true };
  }, { rawBody: true, summary: 'Stripe webhook (payment_intent.succeeded / payment_failed)' });
});
