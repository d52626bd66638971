// Stripe webhook signature verification against locally signed payloads (no network).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signStripePayload, verifyStripeSignature } from './stripe-signature.js';

const secret = 'whsec_test_secret';
const body = Buffer.from('{"id":"evt_1","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1"}}}');
const now = 1_764_000_000_000;
const t = now / 1000;

test('a payload signed with the endpoint secret verifies', () => {
  assert.deepEqual(verifyStripeSignature(body, signStripePayload(secret, body, t), secret, { now }), { ok: true, timestamp: t });
  // Several v1 signatures (during a secret roll): one matching is enough; unknown schemes are ignored.
  const rolled = `t=${t},v1=${'0'.repeat(64)},v0=abc,${signStripePayload(secret, body, t).split(',')[1]}`;
  assert.equal(verifyStripeSignature(body, rolled, secret, { now }).ok, true);
});

test('a tampered body, a wrong secret or a forged header is refused', () => {
  const header = signStripePayload(secret, body, t);
  const tampered = Buffer.from(body.toString().replace('pi_1', 'pi_2'));
  assert.deepEqual(verifyStripeSignature(tampered, header, secret, { now }), { ok: false, reason: 'signature mismatch' });
  assert.equal(verifyStripeSignature(body, header, 'whsec_other', { now }).ok, false);
  // Re-timestamping a captured signature breaks it: t is part of the signed text.
  assert.equal(verifyStripeSignature(body, header.replace(`t=${t}`, `t=${t + 1}`), secret, { now }).ok, false);
  assert.deepEqual(verifyStripeSignature(body, undefined, secret, { now }), { ok: false, reason: 'missing Stripe-Signature header' });
  assert.equal(verifyStripeSignature(body, `t=${t}`, secret, { now }).ok, false);
  assert.equal(verifyStripeSignature(body, `v1=${'a'.repeat(64)}`, secret, { now }).ok, false);
});

test('a stale (or far future) timestamp is refused even with a valid signature', () => {
  const stale = signStripePayload(secret, body, t - 301);
  assert.deepEqual(verifyStripeSignature(body, stale, secret, { now }), { ok: false, reason: 'timestamp outside the tolerance' });
  assert.equal(verifyStripeSignature(body, signStripePayload(secret, body, t + 301), secret, { now }).ok, false);
  assert.equal(verifyStripeSignature(body, signStripePayload(secret, body, t - 299), secret, { now }).ok, true);
  assert.equal(verifyStripeSignature(body, stale, secret, { now, toleranceSeconds: 600 }).ok, true);
});
