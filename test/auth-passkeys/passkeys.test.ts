/**
 * Passkeys with a software authenticator (P-256 keys from node:crypto), both databases:
 * registration by the logged-in user, discoverable login, one-use challenges, the signature
 * counter, the relying party's origin, passkey as the second MFA method, deletion.
 */
import assert from 'node:assert/strict';
import { eachAppDialect } from '../http/test-app.js';
import type { TestApp } from '../http/test-app.js';
import { SoftAuthenticator } from './soft-authenticator.js';

const ORIGIN = 'https://app.example.test';
const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { id: string; amr: string[] };

async function passkeyLogin(t: TestApp, authenticator: SoftAuthenticator, opts: { mfaId?: string; counter?: number } = {}) {
  const q = opts.mfaId ? `?mfaId=${opts.mfaId}` : '';
  const options = await t.call('POST', `/api/collections/users/auth-with-passkey-options${q}`, { body: {}, token: null });
  assert.equal(options.status, 200, JSON.stringify(options.body));
  const credential = authenticator.get(options.body, authenticator.credentials[0], opts.counter);
  const res = await t.call('POST', `/api/collections/users/auth-with-passkey${q}`, { body: { credential }, token: null });
  return { res, credential };
}

eachAppDialect('passkeys: register, log in (alone and as the second MFA method), counters and challenges checked', async (t) => {
  assert.equal((await t.call('PATCH', '/api/settings', { body: { meta: { appURL: ORIGIN } } })).status, 200);
  const user = await t.call('POST', '/api/collections/users/records', {
    body: { email: 'pk@example.com', password: 'pk password 1', passwordConfirm: 'pk password 1' },
    token: null,
  });
  const login = await t.call('POST', '/api/collections/users/auth-with-password', { body: { identity: 'pk@example.com', password: 'pk password 1' }, token: null });
  const token = login.body.token as string;

  // Registration needs the record's own token.
  assert.equal((await t.call('POST', '/api/collections/users/passkeys/register-options', { token: null })).status, 401);
  const authenticator = new SoftAuthenticator(ORIGIN);
  const creation = await t.call('POST', '/api/collections/users/passkeys/register-options', { token });
  assert.equal(creation.status, 200, JSON.stringify(creation.body));
  assert.equal(creation.body.rp.id, 'app.example.test');
  const registered = await t.call('POST', '/api/collections/users/passkeys/register', { token, body: { credential: authenticator.create(creation.body), name: 'laptop' } });
  assert.equal(registered.status, 200, JSON.stringify(registered.body));
  // The challenge was used up: the same attestation again is refused.
  const again = await t.call('POST', '/api/collections/users/passkeys/register', { token, body: { credential: authenticator.create(creation.body) } });
  assert.equal(again.status, 400);
  authenticator.credentials.pop();
  const listed = await t.call('GET', '/api/collections/users/passkeys', { token });
  assert.deepEqual(listed.body.items.map((p: { name: string }) => p.name), ['laptop']);

  // Discoverable login.
  const first = await passkeyLogin(t, authenticator);
  assert.equal(first.res.status, 200, JSON.stringify(first.res.body));
  assert.equal(first.res.body.record.id, user.body.id);
  assert.deepEqual(claims(first.res.body.token).amr, ['passkey']);
  // Replaying the assertion: its challenge is gone.
  const replay = await t.call('POST', '/api/collections/users/auth-with-passkey', { body: { credential: first.credential }, token: null });
  assert.equal(replay.status, 400);
  // A counter that did not grow (a cloned authenticator) is refused.
  const cloned = await passkeyLogin(t, authenticator, { counter: 1 });
  assert.equal(cloned.res.status, 400);
  assert.equal(cloned.res.body.message, 'Failed to authenticate.');
  // Another origin (a phishing page) is refused.
  const phished = new SoftAuthenticator('https://evil.example.test');
  phished.credentials.push(...authenticator.credentials);
  assert.equal((await passkeyLogin(t, phished, { counter: 50 })).res.status, 400);

  // As the second MFA method after a password.
  assert.equal((await t.call('PATCH', '/api/collections/users', { body: { mfa: { enabled: true }, otp: { enabled: true } } })).status, 200);
  const step1 = await t.call('POST', '/api/collections/users/auth-with-password', { body: { identity: 'pk@example.com', password: 'pk password 1' }, token: null });
  assert.equal(step1.status, 401);
  const mfaId = step1.body.mfaId as string;
  const step2 = await passkeyLogin(t, authenticator, { mfaId });
  assert.equal(step2.res.status, 200, "step2 " + JSON.stringify(step2.res.body));
  assert.deepEqual(claims(step2.res.body.token).amr.sort(), ['passkey', 'password']);
  // A passkey alone now only starts an MFA login.
  const alone = await passkeyLogin(t, authenticator);
  assert.equal(alone.res.status, 401);
  assert.ok(alone.res.body.mfaId);
  assert.equal((await t.call('PATCH', '/api/collections/users', { body: { mfa: { enabled: false } } })).status, 200);

  // Deleted: the passkey no longer logs in.
  assert.equal((await t.call('DELETE', `/api/collections/users/passkeys/${registered.body.id}`, { token })).status, 204);
  assert.equal((await passkeyLogin(t, authenticator)).res.status, 400);
});
