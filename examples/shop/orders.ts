/**
 * The order's life: `placeOrder` reserves stock and creates the order in ONE transaction;
 * `confirmOrder` and `releaseOrder` move it out of `reserved` exactly once (the row is locked and
 * its status checked before the change, so a late webhook, a retried job and the expiry job can
 * race freely). None of them does network I/O: payments run in jobs (galley.config.ts).
 */
import type { App, AppTransaction, ErrorCode } from 'galley';
import { PricingError, quote, type Discount, type Speed } from './pricing.js';

export const CURRENCY = 'EUR';

export interface CheckoutInput {
  userId: string;
  email?: string;
  country: string;
  speed: Speed;
  discountCode?: string;
  /** Explicit items; without them, the user's cart (which is then emptied). */
  items?: Array<{ product: string; qty: number }>;
  paymentMethod?: string;
}

export interface OrderItem {
  product: string;
  name: string;
  unitPrice: number;
  qty: number;
  weightGrams: number;
}

type Fail = (code: ErrorCode, message: string) => Error;

/** One record's fields as stored (RecordJson). */
type Row = Record<string, unknown>;

/** Same product twice -> one line; sorted by id so concurrent checkouts lock rows in one order. */
export function mergeItems(items: ReadonlyArray<{ product: string; qty: number }>): Array<{ product: string; qty: number }> {
  const qty = new Map<string, number>();
  for (const i of items) qty.set(i.product, (qty.get(i.product) ?? 0) + i.qty);
  return [...qty].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([product, n]) => ({ product, qty: n }));
}

async function findOne(tx: AppTransaction, collection: string, filter: string): Promise<Row | undefined> {
  return (await tx.records.list(collection, { filter, perPage: 1, skipTotal: true })).items[0];
}

/**
 * The discount for `code`, after taking one use of it (guarded: never past `maxUses`).
 * Inputs reach filters only after the route's schema checked their alphabet.
 */
async function takeDiscount(tx: AppTransaction, code: string, fail: Fail): Promise<Discount> {
  const d = await findOne(tx, 'discounts', `code = "${code}"`);
  const now = new Date().toISOString().replace('T', ' ');
  if (!d || d.active !== true) throw fail('bad_request', 'Unknown discount code.');
  if ((d.validFrom && String(d.validFrom) > now) || (d.validUntil && String(d.validUntil) < now)) throw fail('bad_request', 'This discount code is not valid now.');
  const max = Number(d.maxUses);
  const taken = await tx.records.increment('discounts', String(d.id), 'uses', 1, max > 0 ? { max } : {});
  if (!taken) throw fail('conflict', 'This discount code has been used up.');
  return { kind: d.kind as Discount['kind'], value: Number(d.value) };
}

/** Reserves the stock and writes the order (status `reserved`), all or nothing. */
export async function placeOrder(app: App, input: CheckoutInput, fail: Fail): Promise<{ order: Row; reservedMs: number }> {
  return app.transaction(async (tx) => {
    let cart: Row | undefined;
    let wanted = input.items;
    if (!wanted) {
      const found = await findOne(tx, 'carts', `owner = "${input.userId}"`);
      // Locked (and read again) first: two checkouts of one cart at once must not both buy it.
      cart = found && (await tx.records.get('carts', String(found.id), { forUpdate: true }));
      wanted = Array.isArray(cart?.items) ? (cart.items as CheckoutInput['items'])! : [];
    }
    if (wanted.length === 0) throw fail('bad_request', 'The cart is empty.');

    const items: OrderItem[] = [];
    for (const { product, qty } of mergeItems(wanted)) {
      const p = await tx.records.get('products', product);
      if (!p || p.active !== true) throw fail('bad_request', `Unknown product ${product}.`);
      // The guarded decrement is the whole anti-overselling story: one statement that changes
      // nothing when the stock would go below 0, re-checked by PostgreSQL against the latest row.
      if (!(await tx.records.decrement('products', product, 'stock', qty, { min: 0 }))) {
        throw fail('conflict', `Not enough stock of ${String(p.name)}.`);
      }
      items.push({ product, name: String(p.name), unitPrice: Number(p.price), qty, weightGrams: Number(p.weightGrams) });
    }

    const discount = input.discountCode ? await takeDiscount(tx, input.discountCode, fail) : undefined;
    const rate = await findOne(tx, 'tax_rates', `country = "${input.country}"`);
    let totals;
    try {
      totals = quote({ lines: items, country: input.country, speed: input.speed, ...(discount ? { discount } : {}), taxRateBp: Number(rate?.rateBp ?? 0) });
    } catch (err) {
      if (err instanceof PricingError) throw fail('bad_request', err.message);
      throw err;
    }

    const reservedMs = reservationMs();
    const order = await tx.records.create('orders', {
      owner: input.userId,
      email: input.email ?? '',
      status: 'reserved',
      items,
      country: input.country,
      speed: input.speed,
      discountCode: input.discountCode ?? '',
      ...totals,
      currency: CURRENCY,
      paymentMethod: input.paymentMethod ?? '',
      reservedUntil: new Date(Date.now() + reservedMs).toISOString(),
    });
    // A record update (not raw SQL), so the owner's other devices see the cart empty via realtime.
    if (cart) await tx.records.update('carts', String(cart.id), { items: [] });
    // Both jobs exist only if this commits. The payment call happens there, outside any transaction.
    await app.jobs.enqueue('shop.payment', { orderId: order.id }, { dedupKey: `payment:${String(order.id)}` });
    await app.jobs.enqueue('shop.reservation.expire', { orderId: order.id }, { delayMs: reservedMs });
    return { order, reservedMs };
  });
}

/** How long stock stays reserved for an unpaid order (`SHOP_RESERVATION_MS`, default 15 minutes). */
export function reservationMs(): number {
  const n = Number(process.env.SHOP_RESERVATION_MS);
  return Number.isInteger(n) && n > 0 ? n : 15 * 60_000;
}

/** The order, locked, when it is still `reserved`; otherwise undefined (someone else moved it). */
async function lockReserved(tx: AppTransaction, orderId: string): Promise<Row | undefined> {
  const order = await tx.records.get('orders', orderId, { forUpdate: true });
  return order?.status === 'reserved' ? order : undefined;
}

/** `reserved` -> `paid` and the confirmation mail (a job). False when the order had already left `reserved`. */
export async function confirmOrder(app: App, orderId: string, paymentId: string): Promise<boolean> {
  return app.transaction(async (tx) => {
    const order = await lockReserved(tx, orderId);
    if (!order) return false;
    await tx.records.update('orders', orderId, { status: 'paid', paymentId, clientSecret: '' });
    if (order.email) {
      const items = (order.items as OrderItem[]).map((i) => `<li>${i.qty} x ${escapeHtml(i.name)}</li>`).join('');
      // app.mail.send enqueues a mail job: it is sent only if this transaction commits.
      await app.mail.send({
        to: String(order.email),
        subject: `Order ${orderId} confirmed`,
        html: `<p>Thank you! Your order ${orderId} is paid and on its way.</p><ul>${items}</ul><p>Total: ${formatCents(Number(order.total))} ${CURRENCY}</p>`,
      });
    }
    return true;
  });
}

/**
 * A payment succeeded (the payment job's answer or Stripe's webhook, in any order, maybe twice):
 * confirm the order, or tell the caller to refund when the order had already expired or failed.
 */
export async function paymentSucceeded(app: App, orderId: string, paymentId: string): Promise<'confirmed' | 'duplicate' | 'refund'> {
  if (await confirmOrder(app, orderId, paymentId)) return 'confirmed';
  const order = await app.transaction((tx) => tx.records.get('orders', orderId));
  return order?.status === 'paid' && order.paymentId === paymentId ? 'duplicate' : 'refund';
}

/** `reserved` -> `failed`/`expired`, giving the stock and the discount use back, exactly once. */
export async function releaseOrder(app: App, orderId: string, status: 'failed' | 'expired', reason: string): Promise<boolean> {
  return app.transaction(async (tx) => {
    const order = await lockReserved(tx, orderId);
    if (!order) return false;
    for (const item of mergeItems(order.items as OrderItem[])) {
      await tx.records.increment('products', item.product, 'stock', item.qty);
    }
    if (order.discountCode) {
      const d = await findOne(tx, 'discounts', `code = "${String(order.discountCode)}"`);
      if (d) await tx.records.decrement('discounts', String(d.id), 'uses', 1, { min: 0 });
    }
    await tx.records.update('orders', orderId, { status, failureReason: reason.slice(0, 500), clientSecret: '' });
    return true;
  });
}

/** Remembers the provider's payment id (and client secret) on a still-reserved order. */
export async function notePayment(app: App, orderId: string, provider: string, paymentId: string, clientSecret?: string): Promise<void> {
  await app.transaction(async (tx) => {
    if (!(await lockReserved(tx, orderId))) return;
    await tx.records.update('orders', orderId, { paymentProvider: provider, paymentId, clientSecret: clientSecret ?? '' });
  });
}

export function formatCents(cents: number): string {
  return (cents / 100).toFixed(2);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
