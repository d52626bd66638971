/**
 * One-time passwords, MFA and TOTP through the SDK (and plain HTTP for Galley's TOTP routes), on
 * SQLite and PostgreSQL: OTP by mail (wrong, expired, too many attempts), MFA with password+OTP
 * and password+TOTP, the same method twice refused, TOTP enrolment, recovery codes and disabling,
 * and the `amr` claim read by a rule that requires MFA.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as OTPAuth from 'otpauth';
import { eachAppDialect } from '../http/test-app.js';
import type { TestApp } from '../http/test-app.js';
import { captureMail, claimsOf, client, mailTo, patchUsers, rejectsWith } from './auth-fixture.js';

const fastBackoff = { open: { bruteForce: { baseMs: 1, maxMs: 5 } } };

function otpCode(html: string): string {
  const match = /<strong>(\d+)<\/strong>/.exec(html);
  assert.ok(match?.[1], html);
  return match[1];
}

/** A TOTP code for `secret` at now + `offsetSteps` 30 s steps. */
function totpCode(secret: string, offsetSteps = 0): string {
  return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret) }).generate({ timestamp: Date.now() + offsetSteps * 30_000 });
}

/** Codes for neighbouring steps must not straddle a step change mid-test: start early in a step. */
async function awayFromStepEdge(): Promise<void> {
  const into = Date.now() % 30_000;
  if (into > 25_000) await sleep(30_000 - into + 50);
}

async function signUp(t: TestApp, email: string, password: string): Promise<string> {
  const res = await t.call('POST', '/api/collections/users/records', { body: { email, password, passwordConfirm: password }, token: null });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.id as string;
}

eachAppDialect(
  'OTP: code by mail, wrong, expired, too many attempts; success verifies the email',
  async (t) => {
    const smtp = await captureMail(t);
    try {
      const pb = client(t.url);
      const disabled = await rejectsWith(pb.collection('users').requestOTP('dan@example.com'));
      assert.equal(disabled.status, 403);
      await patchUsers(t, { otp: { enabled: true, duration: 180, length: 6 } });
      await signUp(t, 'dan@example.com', 'dan password');

      // Unknown emails get an otpId too (and no mail).
      const ghost = await pb.collection('users').requestOTP('ghost@example.com');
      assert.match(ghost.otpId, /^[a-z0-9]{15}$/);
      assert.equal((await rejectsWith(pb.collection('users').authWithOTP(ghost.otpId, '123456'))).status, 400);

      const { otpId } = await pb.collection('users').requestOTP('dan@example.com');
      const code = otpCode((await mailTo(smtp, 'dan@example.com', /OTP for Acme/)).html);
      assert.equal(code.length, 6);
      const wrong = await rejectsWith(pb.collection('users').authWithOTP(otpId, code === '000000' ? '111111' : '000000'));
      assert.equal(wrong.status, 400);
      assert.equal(wrong.response.message, 'Invalid or expired OTP');
      const auth = await pb.collection('users').authWithOTP(otpId, code);
      assert.equal(auth.record.email, 'dan@example.com');
      assert.equal(auth.record.verified, true, 'the code reached the mailbox: the email is verified');
      assert.deepEqual(claimsOf(auth.token).amr, ['otp']);
      assert.equal((await rejectsWith(pb.collection('users').authWithOTP(otpId, code))).status, 400, 'a code works once');

      // Expired: the same code after its duration is refused.
      const before = smtp.messages.length;
      const second = await pb.collection('users').requestOTP('dan@example.com');
      const code2 = otpCode((await mailTo(smtp, 'dan@example.com', /OTP for Acme/, before)).html);
      await t.app.db.run(`UPDATE "_otps" SET "created" = ? WHERE "id" = ?`, [Date.now() - 181_000, second.otpId]);
      assert.equal((await rejectsWith(pb.collection('users').authWithOTP(second.otpId, code2))).status, 400);

      // PocketBase's per-record limit: 5 attempts per record within the OTP duration, whatever the
      // OTP (2 so far: the wrong one and the success; expired codes are refused before counting);
      // the 6th is a 429, even with the right code.
      const before3 = smtp.messages.length;
      const third = await pb.collection('users').requestOTP('dan@example.com');
      const code3 = otpCode((await mailTo(smtp, 'dan@example.com', /OTP for Acme/, before3)).html);
      const bad = code3 === '000000' ? '111111' : '000000';
      for (let i = 0; i < 3; i++) assert.equal((await rejectsWith(pb.collection('users').authWithOTP(third.otpId, bad))).status, 400);
      const limited = await rejectsWith(pb.collection('users').authWithOTP(third.otpId, code3));
      assert.equal(limited.status, 429);
      assert.match(limited.response.message, /new OTP/);
    } finally {
      await smtp.close();
    }
  },
  fastBackoff,
);

eachAppDialect(
  'MFA: password then OTP completes with both methods; the same method twice is refused; sessions expire',
  async (t) => {
    const smtp = await captureMail(t);
    try {
      await patchUsers(t, { otp: { enabled: true }, mfa: { enabled: true, duration: 600, rule: '' } });
      await signUp(t, 'eve@example.com', 'eve password');
      const methods = await client(t.url).collection('users').listAuthMethods();
      assert.deepEqual(methods.mfa, { enabled: true, duration: 600 });
      assert.equal(methods.otp.enabled, true);

      const pb = client(t.url);
      const first = await rejectsWith(pb.collection('users').authWithPassword('eve@example.com', 'eve password'));
      assert.equal(first.status, 401);
      const mfaId = first.response.mfaId as string;
      assert.match(mfaId, /^[a-z0-9]{15}$/);
      assert.deepEqual(Object.keys(first.response), ['mfaId'], 'the 401 body is only {mfaId}');
      assert.equal(pb.authStore.isValid, false);

      const twice = await rejectsWith(pb.collection('users').authWithPassword('eve@example.com', 'eve password', { mfaId }));
      assert.equal(twice.status, 400);
      assert.equal(twice.response.message, 'A different authentication method is required.');

      const { otpId } = await pb.collection('users').requestOTP('eve@example.com');
      const code = otpCode((await mailTo(smtp, 'eve@example.com', /OTP for/)).html);
      const done = await pb.collection('users').authWithOTP(otpId, code, { mfaId });
      assert.equal(done.record.email, 'eve@example.com');
      assert.deepEqual(claimsOf(done.token).amr, ['password', 'otp']);
      assert.equal(pb.authStore.isValid, true);

      // The session is used up; an expired one is refused.
      const reuse = await t.call('POST', `/api/collections/users/auth-with-password?mfaId=${mfaId}`, {
        body: { identity: 'eve@example.com', password: 'eve password' },
        token: null,
      });
      assert.equal(reuse.status, 400);
      const again = await rejectsWith(client(t.url).collection('users').authWithPassword('eve@example.com', 'eve password'));
      await t.app.db.run(`UPDATE "_mfas" SET "created" = ? WHERE "id" = ?`, [Date.now() - 601_000, again.response.mfaId]);
      const before = smtp.messages.length;
      const otp2 = await pb.collection('users').requestOTP('eve@example.com');
      const code2 = otpCode((await mailTo(smtp, 'eve@example.com', /OTP for/, before)).html);
      const expired = await rejectsWith(pb.collection('users').authWithOTP(otp2.otpId, code2, { mfaId: again.response.mfaId }));
      assert.equal(expired.status, 400);
      assert.equal(expired.response.message, 'Invalid or expired MFA session.');

      // mfa.rule: only matching records need a second method.
      await patchUsers(t, { mfa: { enabled: true, duration: 600, rule: "email = 'someone.else@example.com'" } });
      const single = await client(t.url).collection('users').authWithPassword('eve@example.com', 'eve password');
      assert.deepEqual(claimsOf(single.token).amr, ['password']);
    } finally {
      await smtp.close();
    }
  },
  fastBackoff,
);

eachAppDialect(
  'TOTP: enrolment, password+TOTP login, recovery codes once, replay refused, rules requiring MFA, disable',
  async (t) => {
    await awayFromStepEdge();
    const secrets = await t.call('POST', '/api/collections', {
      body: { name: 'vault', fields: [{ name: 'note', type: 'text' }], listRule: '@request.auth.amr.mfa = true', viewRule: '@request.auth.amr.totp = true' },
    });
    assert.equal(secrets.status, 200, JSON.stringify(secrets.body));
    await t.call('POST', '/api/collections/vault/records', { body: { note: 'gold' } });
    await signUp(t, 'fay@example.com', 'fay password');
    const pb = client(t.url);
    await pb.collection('users').authWithPassword('fay@example.com', 'fay password');
    const token = pb.authStore.token;
    assert.equal((await pb.collection('vault').getList()).items.length, 0, 'password alone is not MFA');

    // Enrolment needs the record's own token.
    assert.equal((await t.call('POST', '/api/collections/users/totp/setup', { token: null })).status, 401);
    assert.equal((await t.call('POST', '/api/collections/users/totp/setup')).status, 403, 'a superuser token is not a users record');
    const setup = await t.call('POST', '/api/collections/users/totp/setup', { token });
    assert.equal(setup.status, 200, JSON.stringify(setup.body));
    const secret = setup.body.secret as string;
    assert.match(setup.body.uri, /^otpauth:\/\/totp\/Acme|^otpauth:\/\/totp\//);
    assert.equal((await t.call('POST', '/api/collections/users/totp/confirm', { body: { code: '000000' }, token })).status, 400);
    const confirm = await t.call('POST', '/api/collections/users/totp/confirm', { body: { code: totpCode(secret, -1) }, token });
    assert.equal(confirm.status, 200, JSON.stringify(confirm.body));
    const recovery = confirm.body.recoveryCodes as string[];
    assert.equal(recovery.length, 10);
    assert.deepEqual((await t.call('GET', '/api/collections/users/totp', { token })).body, { enabled: true, recoveryCodesLeft: 10 });

    // Now password alone answers {mfaId}, even though the collection has MFA off.
    const first = await rejectsWith(client(t.url).collection('users').authWithPassword('fay@example.com', 'fay password'));
    assert.equal(first.status, 401);
    const mfaId = first.response.mfaId as string;
    const wrong = await t.call('POST', '/api/collections/users/auth-with-totp', { body: { mfaId, code: '000000' }, token: null });
    assert.equal(wrong.status, 400);
    const done = await t.call('POST', '/api/collections/users/auth-with-totp', { body: { mfaId, code: totpCode(secret) }, token: null });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.deepEqual(claimsOf(done.body.token).amr, ['password', 'totp']);
    const mfa = client(t.url);
    mfa.authStore.save(done.body.token, done.body.record);
    const vault = await mfa.collection('vault').getList();
    assert.equal(vault.items.length, 1, 'a rule can require MFA');
    assert.equal((await mfa.collection('vault').getOne(vault.items[0]!.id)).note, 'gold');

    // The same code again (replay) is refused; a recovery code works once.
    const second = await rejectsWith(client(t.url).collection('users').authWithPassword('fay@example.com', 'fay password'));
    const mfaId2 = second.response.mfaId as string;
    const replay = await t.call('POST', '/api/collections/users/auth-with-totp', { body: { mfaId: mfaId2, code: totpCode(secret) }, token: null });
    assert.equal(replay.status, 400);
    const viaRecovery = await t.call('POST', '/api/collections/users/auth-with-totp', { body: { mfaId: mfaId2, code: recovery[0] }, token: null });
    assert.equal(viaRecovery.status, 200, JSON.stringify(viaRecovery.body));
    const third = await rejectsWith(client(t.url).collection('users').authWithPassword('fay@example.com', 'fay password'));
    const usedUp = await t.call('POST', '/api/collections/users/auth-with-totp', { body: { mfaId: third.response.mfaId, code: recovery[0] }, token: null });
    assert.equal(usedUp.status, 400);
    assert.equal((await t.call('GET', '/api/collections/users/totp', { token: viaRecovery.body.token })).body.recoveryCodesLeft, 9);

    // TOTP cannot start a login, and TOTP twice is not two methods.
    assert.equal((await t.call('POST', '/api/collections/users/auth-with-totp', { body: { code: totpCode(secret, 1) }, token: null })).status, 400);

    // Disabling needs a fresh proof; then password alone logs in again.
    const noProof = await t.call('POST', '/api/collections/users/totp/disable', { body: {}, token: viaRecovery.body.token });
    assert.equal(noProof.status, 400);
    const off = await t.call('POST', '/api/collections/users/totp/disable', { body: { password: 'fay password' }, token: viaRecovery.body.token });
    assert.equal(off.status, 204);
    const plain = await client(t.url).collection('users').authWithPassword('fay@example.com', 'fay password');
    assert.deepEqual(claimsOf(plain.token).amr, ['password']);
  },
  fastBackoff,
);

eachAppDialect(
  'MFA with TOTP enrolled: OTP cannot replace TOTP as the second method',
  async (t) => {
    await awayFromStepEdge();
    const smtp = await captureMail(t);
    try {
      await patchUsers(t, { otp: { enabled: true } });
      await signUp(t, 'gus@example.com', 'gus password');
      const login = await client(t.url).collection('users').authWithPassword('gus@example.com', 'gus password');
      const setup = await t.call('POST', '/api/collections/users/totp/setup', { token: login.token });
      await t.call('POST', '/api/collections/users/totp/confirm', { body: { code: totpCode(setup.body.secret, -1) }, token: login.token });
      const pb = client(t.url);
      const first = await rejectsWith(pb.collection('users').authWithPassword('gus@example.com', 'gus password'));
      const { otpId } = await pb.collection('users').requestOTP('gus@example.com');
      const code = otpCode((await mailTo(smtp, 'gus@example.com', /OTP for/)).html);
      const refused = await rejectsWith(pb.collection('users').authWithOTP(otpId, code, { mfaId: first.response.mfaId }));
      assert.equal(refused.status, 400);
      assert.match(refused.response.message, /TOTP/);
    } finally {
      await smtp.close();
    }
  },
  fastBackoff,
);
