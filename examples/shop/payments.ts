/**
 * Payments behind one interface, so the shop's flow does not care who takes the money.
 * - `LocalProvider`: no network; decides by the payment method, like Stripe's test cards
 *   (`pm_card_visa` succeeds, `pm_card_chargeDeclined` is declined, `pm_card_pending` never
 *   settles, so the reservation times out). `declineAll` makes every payment fail.
 * - `StripeProvider`: PaymentIntents through Stripe's REST API with `fetch` (no SDK). Called from
 *   jobs only, never inside a transaction.
 */

export interface PaymentRequest {
  orderId: string;
  /** In the currency's smallest unit (cents). */
  amount: number;
  currency: string;
  email?: string;
  /** A payment method id (`pm_...`); without one the customer confirms on the client (pending). */
  paymentMethod?: string;
  /** The same key on a retry must not charge twice. */
  idempotencyKey: string;
  signal?: AbortSignal;
}

export type PaymentOutcome =
  | { status: 'succeeded'; paymentId: string }
  | { status: 'failed'; paymentId?: string; reason: string }
  /** Settled later by a webhook (or never: the reservation expires). */
  | { status: 'pending'; paymentId: string; clientSecret?: string };

export interface PaymentProvider {
  readonly name: 'local' | 'stripe';
  createPayment(request: PaymentRequest): Promise<PaymentOutcome>;
  /** Gives the money back, e.g. when a payment succeeded after its reservation had expired. */
  refund(paymentId: string, idempotencyKey: string, signal?: AbortSignal): Promise<void>;
}

export class LocalProvider implements PaymentProvider {
  readonly name = 'local';
  readonly #seen = new Map<string, PaymentOutcome>();
  readonly refunds = new Set<string>();

  constructor(private readonly options: { declineAll?: boolean } = {}) {}

  async createPayment(request: PaymentRequest): Promise<PaymentOutcome> {
    const known = this.#seen.get(request.idempotencyKey);
    if (known) return known;
    const paymentId = `local_${request.orderId}`;
    const method = request.paymentMethod ?? 'pm_card_visa';
    const outcome: PaymentOutcome =
      this.options.declineAll || method === 'pm_card_chargeDeclined'
        ? { status: 'failed', paymentId, reason: 'Your card was declined.' }
        : method === 'pm_card_pending'
          ? { status: 'pending', paymentId }
          : { status: 'succeeded', paymentId };
    this.#seen.set(request.idempotencyKey, outcome);
    return outcome;
  }

  async refund(paymentId: string): Promise<void> {
    this.refunds.add(paymentId);
  }
}

interface StripeError {
  error?: { type?: string; code?: string; message?: string; payment_intent?: { id?: string } };
}

export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe';
  readonly #secretKey: string;
  readonly #apiBase: string;

  constructor(secretKey: string, { apiBase = 'https://api.stripe.com' }: { apiBase?: string } = {}) {
    if (!secretKey.startsWith('sk_') && !secretKey.startsWith('rk_')) throw new Error('STRIPE_SECRET_KEY must be a secret (sk_...) or restricted (rk_...) key');
    this.#secretKey = secretKey;
    this.#apiBase = apiBase.replace(/\/+$/, '');
  }

  async createPayment(request: PaymentRequest): Promise<PaymentOutcome> {
    const form: Record<string, string> = {
      amount: String(request.amount),
      currency: request.currency.toLowerCase(),
      'metadata[orderId]': request.orderId,
      // Cards and wallets that need no redirect; a redirect flow would need a return_url.
      'automatic_payment_methods[enabled]': 'true',
      'automatic_payment_methods[allow_redirects]': 'never',
    };
    if (request.email) form.receipt_email = request.email;
    if (request.paymentMethod) {
      form.payment_method = request.paymentMethod;
      form.confirm = 'true';
    }
    const res = await this.#post('/v1/payment_intents', form, request.idempotencyKey, request.signal);
    const body = (await res.json()) as { id?: string; status?: string; client_secret?: string } & StripeError;
    if (!res.ok) {
      // A declined card is an answer (402 card_error), not an outage: the order fails. Anything
      // else (bad key, 5xx) throws, and the job retries.
      if (body.error?.type === 'card_error') {
        return { status: 'failed', ...(body.error.payment_intent?.id ? { paymentId: body.error.payment_intent.id } : {}), reason: body.error.message ?? 'The card was declined.' };
      }
      throw new Error(`Stripe answered ${res.status}: ${body.error?.message ?? 'no message'}`);
    }
    if (!body.id) throw new Error('Stripe answered without a PaymentIntent id');
    if (body.status === 'succeeded') return { status: 'succeeded', paymentId: body.id };
    if (body.status === 'canceled') return { status: 'failed', paymentId: body.id, reason: 'The payment was canceled.' };
    // requires_payment_method / requires_confirmation / requires_action / processing: the
    // client finishes it with the client secret; the webhook tells us how it ended.
    return { status: 'pending', paymentId: body.id, ...(body.client_secret ? { clientSecret: body.client_secret } : {}) };
  }

  async refund(paymentId: string, idempotencyKey: string, signal?: AbortSignal): Promise<void> {
    const res = await this.#post('/v1/refunds', { payment_intent: paymentId }, idempotencyKey, signal);
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as StripeError;
      throw new Error(`Stripe refund answered ${res.status}: ${body.error?.message ?? 'no message'}`);
    }
  }

  #post(path: string, form: Record<string, string>, idempotencyKey: string, signal?: AbortSignal): Promise<Response> {
    return fetch(`${this.#apiBase}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.#secretKey}`,
        'content-type': 'application/x-www-form-urlencoded',
        // Stripe replays the first answer for a repeated key: a retried job charges once.
        'idempotency-key': idempotencyKey,
      },
      body: new URLSearchParams(form).toString(),
      ...(signal ? { signal } : {}),
    });
  }
}

/** From the environment: `SHOP_PAYMENT_PROVIDER=stripe` with `STRIPE_SECRET_KEY`, else local. */
export function providerFromEnv(env: NodeJS.ProcessEnv = process.env): PaymentProvider {
  if (env.SHOP_PAYMENT_PROVIDER === 'stripe') {
    if (!env.STRIPE_SECRET_KEY) throw new Error('SHOP_PAYMENT_PROVIDER=stripe needs STRIPE_SECRET_KEY');
    return new StripeProvider(env.STRIPE_SECRET_KEY, env.STRIPE_API_BASE ? { apiBase: env.STRIPE_API_BASE } : {});
  }
  return new LocalProvider({ declineAll: env.SHOP_LOCAL_PAYMENTS === 'decline' });
}
