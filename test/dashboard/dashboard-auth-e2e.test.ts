/**
 * The dashboard's auth screens in a real browser (chromium through playwright-core), on SQLite and
 * PostgreSQL: an auth collection's e-mail templates and an OAuth2 provider edited and saved (the
 * client secret kept when not retyped), an API key minted (shown
 * once, then working), listed and revoked, a users record impersonated (the token, copied from the
 * page, acts as that user; a base collection offers no such action), and TOTP enrolment of the
 * logged-in superuser (QR code of the URI, secret, confirmation code, recovery codes, disable); no
 * console errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as OTPAuth from 'otpauth';
import type { Page } from 'playwright-core';
import PocketBase from 'pocketbase';
import { upsertSuperuser } from '../../src/auth/superusers.js';
import { requireService } from '../../src/testing/services.js';
import { SCREENSHOTS, ensureDashboardBuilt, launchChromium, reportPages, startDashboardNode } from './dashboard-fixture.js';

const EMAIL = 'keys@example.com';
const PASSWORD = 'a long auth-screens password';

for (const dialect of ['sqlite', 'postgres'] as const) {
  test(`dashboard auth screens in chromium [${dialect}]`, { timeout: 180_000 }, async (t) => {
    if (dialect === 'postgres' && !(await requireService(t, 'postgres'))) return;
    ensureDashboardBuilt();
    const browser = await launchChromium(t);
    if (!browser) return;
    const node = await startDashboardNode(dialect);
    const consoleErrors: string[] = [];
    const shot = async (page: Page, name: string): Promise<void> => {
      if (SCREENSHOTS && dialect === 'sqlite') await page.screenshot({ path: `${SCREENSHOTS}${name}.png` });
    };
    try {
      await upsertSuperuser(node.app, EMAIL, PASSWORD);
      const admin = new PocketBase(node.url);
      await admin.collection('_superusers').authWithPassword(EMAIL, PASSWORD);
      const user = await admin.collection('users').create({ email: 'alice@example.com', password: 'alice password 1', passwordConfirm: 'alice password 1', name: 'Alice' });

      const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
      page.setDefaultTimeout(10_000);
      page.on('console', (msg) => {
        if (msg.type() === 'error') consoleErrors.push(`${msg.text()} (${msg.location().url})`);
      });
      page.on('pageerror', (err) => consoleErrors.push(`page error: ${err.message}`));
      await page.goto(`${node.url}/_/`);
      await page.getByLabel('Email').fill(EMAIL);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('heading', { name: 'Collections' }).waitFor();

      // --- (1) e-mail templates of the users collection ------------------------------------------
      await page.goto(`${node.url}/_/#/collections/users/edit`);
      await page.getByRole('tab', { name: 'Auth options' }).click();
      const templates = page.getByRole('tablist', { name: 'E-mail templates' });
      await templates.getByRole('tab', { name: 'Password reset' }).click();
      const panel = page.getByRole('tabpanel', { name: 'Password reset template' });
      await panel.getByText('{TOKEN}').waitFor();
      await panel.getByLabel('Subject').fill('Reset your {APP_NAME} password');
      await panel.getByLabel('Body (HTML)').fill('<p>Hi {RECORD:email}, follow {APP_URL}/reset/{TOKEN}</p>');
      await templates.getByRole('tab', { name: 'One-time password (OTP)' }).click();
      const otpPanel = page.getByRole('tabpanel', { name: 'One-time password (OTP) template' });
      await otpPanel.getByText('{OTP_ID}').waitFor();
      await otpPanel.getByLabel('Subject').fill('Your code: {OTP}');
      await templates.getByRole('tab', { name: 'Login alert (new device)' }).click();
      await page.getByRole('tabpanel', { name: 'Login alert (new device) template' }).getByText('{ALERT_INFO}').waitFor();
      await shot(page, 'email-templates');
      // (4) an OAuth2 provider in the same save: the secret is stored, never sent back, and kept
      // when the form is saved again with the secret box empty.
      await page.getByRole('button', { name: '+ Add provider' }).click();
      const provider = page.getByRole('group', { name: /^Provider / });
      await provider.getByLabel('Provider', { exact: true }).selectOption('github');
      await provider.getByLabel('Client id').fill('gh-client-id');
      await provider.getByLabel('Client secret').fill('gh-client-secret');
      await page.getByLabel('OAuth2 enabled').check();
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Saved collection “users”.').waitFor();
      const users = await admin.collections.getOne('users');
      assert.equal(users.resetPasswordTemplate.subject, 'Reset your {APP_NAME} password');
      assert.equal(users.resetPasswordTemplate.body, '<p>Hi {RECORD:email}, follow {APP_URL}/reset/{TOKEN}</p>');
      assert.equal(users.otp.emailTemplate.subject, 'Your code: {OTP}');
      assert.ok(users.otp.emailTemplate.body.length > 0, 'the OTP body is kept');
      assert.ok(users.verificationTemplate.subject.length > 0, 'untouched templates are kept');
      assert.equal(users.oauth2.enabled, true);
      assert.deepEqual(users.oauth2.providers.map((p: Record<string, unknown>) => [p.name, p.clientId, p.clientSecret]), [['github', 'gh-client-id', undefined]]);
      await page.goto(`${node.url}/_/#/collections/users/edit`);
      await page.getByRole('tab', { name: 'Auth options' }).click();
      await page.getByRole('group', { name: 'Provider github' }).getByLabel('Display name').fill('GitHub login');
      await page.getByRole('button', { name: 'Save changes' }).click();
      // (the first save's toast may still be up: wait for the editor to leave instead)
      await page.getByRole('heading', { name: 'Edit users' }).waitFor({ state: 'detached' });
      const stored = await node.app.collections.findFresh('users');
      assert.equal(stored?.oauth2?.providers[0]?.displayName, 'GitHub login');
      assert.equal(stored?.oauth2?.providers[0]?.clientSecret, 'gh-client-secret', 'an empty secret box keeps the stored secret');

      // --- (2) API keys: mint (shown once), use, list, revoke ------------------------------------
      await page.getByRole('link', { name: 'API keys' }).click();
      await page.getByText('No API keys yet.').waitFor();
      const form = page.getByRole('form', { name: 'Mint an API key' });
      await form.getByLabel('Key name').fill('reporting');
      await form.getByLabel('Record id').fill(user.id);
      await form.getByLabel('Scopes').fill('users:view');
      await form.getByRole('button', { name: 'Mint key' }).click();
      const key = (await page.getByTestId('minted-key').textContent()) ?? '';
      assert.match(key, /^gk_/);
      const viewWith = (auth: string): Promise<Response> => fetch(`${node.url}/api/collections/users/records/${user.id}`, { headers: { Authorization: auth } });
      assert.equal((await viewWith(key)).status, 200, 'the minted key acts as the user');
      const row = page.getByRole('row').filter({ hasText: 'reporting' });
      await row.getByText('users:view').waitFor();
      await row.getByText('active').waitFor();
      await shot(page, 'api-keys');
      await page.getByRole('button', { name: 'Done' }).click();
      assert.equal(await page.getByTestId('minted-key').count(), 0, 'the key is gone from the page');
      page.once('dialog', (d) => void d.accept());
      await row.getByRole('button', { name: 'Revoke reporting' }).click();
      await row.getByText(/revoked/).waitFor();
      assert.equal((await viewWith(key)).status, 404, 'a revoked key is a guest');

      // --- (5) impersonation: a token for a users record, from its edit dialog -------------------
      const bob = await admin.collection('users').create({ email: 'bob@example.com', password: 'bob password 12', passwordConfirm: 'bob password 12' });
      await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
      await page.goto(`${node.url}/_/#/collections/users`);
      await page.getByRole('link', { name: user.id }).click();
      const editUser = page.getByRole('dialog', { name: 'Edit users record' });
      await editUser.getByRole('button', { name: 'Impersonate' }).click();
      const imp = page.getByRole('dialog', { name: 'Impersonate users record' });
      // Keyboard only from here: the duration box has the focus, Enter submits.
      const durationBox = imp.getByLabel('Token duration (seconds)');
      assert.ok(await durationBox.evaluate((el) => el === el.ownerDocument.activeElement), 'the duration box is focused');
      await page.keyboard.type('-5');
      await page.keyboard.press('Enter');
      await imp.getByRole('alert').first().waitFor();
      assert.equal(await durationBox.getAttribute('aria-invalid'), 'true', "the API's 400 is shown on the duration box");
      assert.equal(await imp.getByTestId('impersonate-token').count(), 0);
      // The browser logs the refused call's 400 as a failed load: that one is expected, nothing else.
      const refused = consoleErrors.findIndex((m) => m.includes('status of 400') && m.includes(`/impersonate/${user.id}`));
      assert.ok(refused >= 0, `the 400 was logged: ${JSON.stringify(consoleErrors)}`);
      consoleErrors.splice(refused, 1);
      await durationBox.fill('120');
      await page.keyboard.press('Enter');
      const impToken = ((await imp.getByTestId('impersonate-token').textContent()) ?? '').trim();
      await imp.getByText('valid until').waitFor();
      await imp.getByRole('button', { name: 'Copy token' }).click();
      assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), impToken, 'the copy button copies the token');
      await shot(page, 'impersonate');
      const claims = JSON.parse(Buffer.from(impToken.split('.')[1] ?? '', 'base64url').toString()) as { id: string; exp: number; refreshable: boolean; amr: string[] };
      assert.equal(claims.id, user.id);
      assert.deepEqual([claims.refreshable, claims.amr], [false, ['impersonate']]);
      assert.ok(Math.abs(claims.exp - (Date.now() / 1000 + 120)) < 30, `the token lives 120 s (exp ${claims.exp})`);
      const asUser = (path: string, init: RequestInit = {}): Promise<Response> =>
        fetch(`${node.url}${path}`, { ...init, headers: { Authorization: impToken } });
      assert.equal((await asUser(`/api/collections/users/records/${user.id}`)).status, 200, 'the token acts as the user (owner-only view rule)');
      assert.equal((await asUser(`/api/collections/users/records/${bob.id}`)).status, 404, 'and only as the user');
      const refreshed = (await (await asUser('/api/collections/users/auth-refresh', { method: 'POST' })).json()) as { token: string; record: { id: string } };
      assert.deepEqual([refreshed.record.id, refreshed.token], [user.id, impToken], 'auth-refresh knows the user and echoes the non-refreshable token');
      // Escape closes the impersonation dialog alone, then the record dialog.
      await page.keyboard.press('Escape');
      await imp.waitFor({ state: 'detached' });
      await editUser.waitFor();
      await page.keyboard.press('Escape');
      await editUser.waitFor({ state: 'detached' });
      // A base collection's records have no such action.
      await admin.collections.create({ name: 'notes', type: 'base', fields: [{ name: 'title', type: 'text' }] });
      const note = await admin.collection('notes').create({ title: 'a note' });
      await page.goto(`${node.url}/_/#/collections/notes`);
      await page.getByRole('link', { name: note.id }).click();
      const editNote = page.getByRole('dialog', { name: 'Edit notes record' });
      await editNote.getByRole('button', { name: 'Save' }).waitFor();
      assert.equal(await editNote.getByRole('button', { name: 'Impersonate' }).count(), 0, 'no Impersonate on a base collection');
      await page.keyboard.press('Escape');
      await editNote.waitFor({ state: 'detached' });

      // --- (3) TOTP enrolment of the signed-in superuser ----------------------------------------
      await page.getByRole('link', { name: 'Account security' }).click();
      await page.getByRole('heading', { name: 'Authenticator app: off' }).waitFor();
      await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
      const uri = (await page.getByTestId('totp-uri').textContent()) ?? '';
      const secret = (await page.getByTestId('totp-secret').textContent()) ?? '';
      // The QR code is built from the very URI shown (decoding it is uqr's business, not ours).
      const qr = page.getByRole('img', { name: 'QR code of the otpauth URI: scan it with your authenticator app' });
      assert.equal(await qr.getAttribute('data-value'), uri, 'the QR code holds the URI shown');
      assert.ok(((await qr.locator('path').getAttribute('d')) ?? '').length > 100, 'the QR code has modules');
      const totp = OTPAuth.URI.parse(uri);
      await shot(page, 'totp-setup');
      assert.ok(totp instanceof OTPAuth.TOTP);
      assert.equal(totp.secret.base32, secret);
      await page.getByLabel('Code from the app').fill(totp.generate());
      await page.getByRole('button', { name: 'Confirm and switch on' }).click();
      const codes = ((await page.getByTestId('recovery-codes').textContent()) ?? '').split('\n');
      assert.equal(codes.length, 10);
      await page.getByRole('heading', { name: 'Authenticator app: on' }).waitFor();
      await page.getByText('10 recovery codes left.').waitFor();
      assert.equal((await admin.send<{ enabled: boolean }>('/api/collections/_superusers/totp', {})).enabled, true);
      // A login now asks for the second factor: a recovery code from the page works.
      const second = new PocketBase(node.url);
      const mfaId = await second.collection('_superusers').authWithPassword(EMAIL, PASSWORD).then(
        () => '',
        (err: { response?: { mfaId?: string } }) => err.response?.mfaId ?? '',
      );
      assert.ok(mfaId, 'the password step asks for MFA');
      await second.send('/api/collections/_superusers/auth-with-totp', { method: 'POST', body: { mfaId, code: codes[0] } });
      await page.getByRole('button', { name: 'I have saved them' }).click();
      await page.reload();
      await page.getByText('9 recovery codes left.').waitFor();
      await page.getByLabel('Code or password to switch it off').fill(PASSWORD);
      await page.getByRole('button', { name: 'Disable two-factor sign-in' }).click();
      await page.getByRole('heading', { name: 'Authenticator app: off' }).waitFor();
      assert.equal((await admin.send<{ enabled: boolean }>('/api/collections/_superusers/totp', {})).enabled, false);

      assert.deepEqual(consoleErrors, [], 'no console errors');
    } catch (err) {
      await reportPages(t, browser, consoleErrors);
      throw err;
    } finally {
      await browser.close();
      await node.cleanup();
    }
  });
}
