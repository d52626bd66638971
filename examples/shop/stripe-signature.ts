/**
 * Stripe webhook signatures, checked without the Stripe SDK. Stripe sends
 * `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...]`, where each v1 is
 * HMAC-SHA256(endpoint secret, `${t}.${raw body}`). Verify over the exact bytes received (the
 * route asks for `rawBody`), refuse timestamps outside the tolerance (replays), and compare in
 * constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const DEFAULT_TOLERANCE_SECONDS = 300;

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: string };

export function stripeSignature(secret: string, timestamp: number, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
}

/** The header value Stripe would send for `rawBody` (tests and local tools sign with it). */
export function signStripePayload(secret: string, rawBody: Buffer | string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${stripeSignature(secret, timestamp, rawBody)}`;
}

export function verifyStripeSignature(
  rawBody: Buffer,
  header: string | undefined,
  secret: string,
  { toleranceSeconds = DEFAULT_TOLERANCE_SECONDS, now = Date.now() }: { toleranceSeconds?: number; now?: number } = {},
): SignatureCheck {
  if (!header) return { ok: false, reason: 'missing Stripe-Signature header' };
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d+$/.test(value)) timestamp = Number(value);
    // Other schemes (v0 in test mode) are ignored, as Stripe's own libraries do.
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined) return { ok: false, reason: 'no timestamp in Stripe-Signature' };
  if (signatures.length === 0) return { ok: false, reason: 'no v1 signature in Stripe-Signature' };
  if (Math.abs(Math.floor(now / 1000) - timestamp) > toleranceSeconds) return { ok: false, reason: 'timestamp outside the tolerance' };
  const expected = Buffer.from(stripeSignature(secret, timestamp, rawBody), 'hex');
  // Every candidate is compared (no early exit on the first match), each in constant time.
  let match = false;
  for (const s of signatures) if (timingSafeEqual(s, expected)) match = true;
  return match ? { ok: true, timestamp } : { ok: false, reason: 'signature mismatch' };
}
