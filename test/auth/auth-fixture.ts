/**
 * Helpers for the auth scenarios: a node whose mail goes to an in-process SMTP server, SDK
 * clients, and reading tokens and codes out of the captured mails.
 */
import assert from 'node:assert/strict';
import { startSmtpCapture } from '../../src/testing/smtp-capture.js';
import type { CapturedMail, SmtpCapture } from '../../src/testing/smtp-capture.js';
import type { TestApp } from '../http/test-app.js';

export { client, rejectsWith } from '../sdk/sdk-client.js';

/** Points the node's SMTP settings at a fresh capture server; close it when done. */
export async function captureMail(t: TestApp): Promise<SmtpCapture> {
  const smtp = await startSmtpCapture();
  const res = await t.call('PATCH', '/api/settings', {
    body: { smtp: { enabled: true, host: '127.0.0.1', port: smtp.port }, meta: { appName: 'Acme', appURL: 'http://acme.test' } },
  });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return smtp;
}

/** The token in a PocketBase-style action link (`.../auth/<action>/<token>`). */
export function linkToken(mail: CapturedMail, action: string): string {
  const match = new RegExp(`${action}/([A-Za-z0-9_.-]+)`).exec(mail.html);
  assert.ok(match?.[1], `no ${action} link in: ${mail.html}`);
  return match[1];
}

/** Waits for the next mail to `to` whose subject matches, counting from `after` messages. */
export function mailTo(smtp: SmtpCapture, to: string, subject: RegExp, after = 0): Promise<CapturedMail> {
  return smtp.waitFor((m) => smtp.messages.indexOf(m) >= after && m.to.includes(to) && subject.test(m.subject), 15_000);
}

/** Patches the users collection (as superuser) and checks it worked. */
export async function patchUsers(t: TestApp, body: Record<string, unknown>): Promise<void> {
  const res = await t.call('PATCH', '/api/collections/users', { body });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

/** The claims of a JWT, unverified. */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
