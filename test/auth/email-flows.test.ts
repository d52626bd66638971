/**
 * The mail-based account flows through the official SDK, with the mails going through the job
 * queue to a real SMTP server in the process: sign-up -> verification mail -> confirm -> login ->
 * refresh -> password reset by mail -> old token rejected; email change; request endpoints never
 * reveal who is registered; impersonation; new-device alerts.
 */
import assert from 'node:assert/strict';
import { eachAppDialect } from '../http/test-app.js';
import { captureMail, claimsOf, client, linkToken, mailTo, rejectsWith } from './auth-fixture.js';

eachAppDialect('sign-up, verification, login, refresh, password reset and email change by mail (SDK)', async (t) => {
  const smtp = await captureMail(t);
  try {
    const pb = client(t.url);
    const email = 'ann@example.com';
    await pb.collection('users').create({ email, password: 'first password', passwordConfirm: 'first password', name: 'Ann' });

    // Verification: the request always succeeds; the mail carries a token the SDK confirms.
    assert.equal(await pb.collection('users').requestVerification(email), true);
    assert.equal(await pb.collection('users').requestVerification('nobody@example.com'), true, 'unknown emails answer 204 too');
    const verifyMail = await mailTo(smtp, email, /Verify your Acme email/);
    const verifyToken = linkToken(verifyMail, 'confirm-verification');
    assert.equal(claimsOf(verifyToken).type, 'verification');
    assert.equal(await pb.collection('users').confirmVerification(verifyToken), true);
    const bad = await rejectsWith(pb.collection('users').confirmVerification(`${verifyToken}x`));
    assert.equal(bad.status, 400);
    assert.equal(bad.response.data.token.code, 'validation_invalid_token');

    // Login and refresh; the token says how the session was authenticated.
    const auth = await pb.collection('users').authWithPassword(email, 'first password');
    assert.equal(auth.record.verified, true);
    assert.deepEqual(claimsOf(auth.token).amr, ['password']);
    const oldToken = pb.authStore.token;
    const refreshed = await pb.collection('users').authRefresh();
    assert.deepEqual(claimsOf(refreshed.token).amr, ['password'], 'refresh keeps the methods');

    // Password reset by mail: the new password works, every older token is rejected.
    const before = smtp.messages.length;
    assert.equal(await client(t.url).collection('users').requestPasswordReset(email), true);
    assert.equal(await client(t.url).collection('users').requestPasswordReset('nobody@example.com'), true);
    const resetMail = await mailTo(smtp, email, /Reset your Acme password/, before);
    const resetToken = linkToken(resetMail, 'confirm-password-reset');
    const mismatch = await rejectsWith(client(t.url).collection('users').confirmPasswordReset(resetToken, 'second password', 'other'));
    assert.equal(mismatch.status, 400);
    assert.equal(await client(t.url).collection('users').confirmPasswordReset(resetToken, 'second password', 'second password'), true);
    const reused = await rejectsWith(client(t.url).collection('users').confirmPasswordReset(resetToken, 'third password', 'third password'));
    assert.equal(reused.status, 400, 'a reset token dies with the password it reset');
    for (const token of [oldToken, refreshed.token]) {
      const stale = await t.call('POST', '/api/collections/users/auth-refresh', { token });
      assert.equal(stale.status, 401, 'tokens from before the reset are rejected');
    }
    await rejectsWith(client(t.url).collection('users').authWithPassword(email, 'first password'));
    const fresh = client(t.url);
    await fresh.collection('users').authWithPassword(email, 'second password');

    // Email change: requested by the logged-in user, confirmed with the token from the NEW address.
    const beforeChange = smtp.messages.length;
    assert.equal(await fresh.collection('users').requestEmailChange('ann.new@example.com'), true);
    const changeMail = await mailTo(smtp, 'ann.new@example.com', /Confirm your Acme new email address/, beforeChange);
    const changeToken = linkToken(changeMail, 'confirm-email-change');
    const wrongPassword = await rejectsWith(client(t.url).collection('users').confirmEmailChange(changeToken, 'not the password'));
    assert.equal(wrongPassword.status, 400);
    const tokenBeforeChange = fresh.authStore.token;
    assert.equal(await client(t.url).collection('users').confirmEmailChange(changeToken, 'second password'), true);
    assert.equal((await t.call('POST', '/api/collections/users/auth-refresh', { token: tokenBeforeChange })).status, 401);
    const moved = await client(t.url).collection('users').authWithPassword('ann.new@example.com', 'second password');
    assert.equal(moved.record.email, 'ann.new@example.com');

    // Guests cannot request an email change; a taken address is a field error.
    assert.equal((await t.call('POST', '/api/collections/users/request-email-change', { body: { newEmail: 'x@example.com' }, token: null })).status, 401);
    await client(t.url).collection('users').create({ email: 'other@example.com', password: 'other password', passwordConfirm: 'other password' });
    const taken = await t.call('POST', '/api/collections/users/request-email-change', { body: { newEmail: 'OTHER@example.com' }, token: moved.token });
    assert.equal(taken.status, 400);
    assert.equal(taken.body.data.newEmail.code, 'validation_not_unique');
  } finally {
    await smtp.close();
  }
});

eachAppDialect('impersonation: superusers only, non-refreshable token acting as the record', async (t) => {
  const pb = client(t.url);
  const user = await pb.collection('users').create({ email: 'bob@example.com', password: 'bob password', passwordConfirm: 'bob password' });
  const guest = await t.call('POST', `/api/collections/users/impersonate/${user.id}`, { body: {}, token: null });
  assert.equal(guest.status, 401);
  const admin = client(t.url);
  admin.authStore.save(t.token);
  const as = await admin.collection('users').impersonate(user.id, 60);
  assert.equal(as.authStore.record?.id, user.id);
  const claims = claimsOf(as.authStore.token);
  assert.equal(claims.refreshable, false);
  assert.deepEqual(claims.amr, ['impersonate']);
  assert.ok((claims.exp as number) - Date.now() / 1000 <= 61);
  assert.equal((await as.collection('users').getOne(user.id)).email, 'bob@example.com');
  const again = await as.collection('users').authRefresh();
  assert.equal(again.token, as.authStore.token, 'a non-refreshable token is echoed back');
  const missing = await t.call('POST', '/api/collections/users/impersonate/nope', { body: {} });
  assert.equal(missing.status, 404);
});

eachAppDialect('a login from a new device mails an alert; the first login and known devices do not', async (t) => {
  const smtp = await captureMail(t);
  try {
    await client(t.url).collection('users').create({ email: 'cy@example.com', password: 'cy password', passwordConfirm: 'cy password' });
    const login = (agent: string) =>
      t.call('POST', '/api/collections/users/auth-with-password', {
        body: { identity: 'cy@example.com', password: 'cy password' },
        headers: { 'user-agent': agent },
        token: null,
      });
    assert.equal((await login('Phone/1')).status, 200);
    assert.equal((await login('Phone/1')).status, 200);
    assert.equal((await login('Laptop/2')).status, 200);
    const alert = await mailTo(smtp, 'cy@example.com', /Login from a new location/);
    assert.match(alert.html, /Laptop\/2/);
    assert.equal(smtp.messages.filter((m) => /new location/.test(m.subject)).length, 1);
  } finally {
    await smtp.close();
  }
});
