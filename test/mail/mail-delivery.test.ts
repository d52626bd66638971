/**
 * `MailService.deliver`, the `mail.send` job's work, against a real SMTP server in the process:
 * what arrives, SMTP auth, settings changes picked up without a restart, the dev outbox, and the
 * error a non-dev node without SMTP raises (the queue retries it).
 */
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { bootstrapSystemTables } from '../../src/records/bootstrap-system-tables.js';
import { MailNotConfiguredError, MailService } from '../../src/mail/mail-service.js';
import { validateMailMessage } from '../../src/mail/mail-message.js';
import { SettingsService } from '../../src/settings/settings-service.js';
import { eachDatabase } from '../../src/testing/databases.js';
import type { Database } from '../../src/db/database.js';
import { startSmtpCapture } from '../../src/testing/smtp-capture.js';

const silent = pino({ level: 'silent' });
const noQueue = () => {
  throw new Error('not used by deliver()');
};

async function services(db: Database, dev: boolean) {
  await bootstrapSystemTables(db);
  const settings = new SettingsService({ db });
  await settings.load();
  const mail = new MailService({ db, settings, jobs: noQueue, dev, logger: silent, smtpTimeouts: { connectionMs: 2000, greetingMs: 2000, socketMs: 5000 } });
  return { settings, mail };
}

eachDatabase('deliver sends over SMTP from the settings, with auth, and follows settings changes', async (db) => {
  const { settings, mail } = await services(db, false);
  const smtp = await startSmtpCapture({ auth: { user: 'mailer', pass: 's3cret' } });
  try {
    await settings.update({
      meta: { senderName: 'Shop', senderAddress: 'shop@example.com' },
      smtp: { enabled: true, host: '127.0.0.1', port: smtp.port, username: 'mailer', password: 's3cret', authMethod: 'PLAIN' },
    });
    assert.equal(settings.toPublic().smtp.password, '', 'the SMTP password is never returned');
    const message = validateMailMessage({
      to: [{ address: 'ann@example.com', name: 'Ann' }],
      cc: 'cc@example.com',
      bcc: 'hidden@example.com',
      subject: 'Order shipped',
      html: '<p>Your order is on its way.</p>',
      text: 'Your order is on its way.',
      headers: { 'X-Order': '42' },
      attachments: [{ filename: 'invoice.txt', content: Buffer.from('total 10').toString('base64'), contentType: 'text/plain' }],
    });
    const result = await mail.deliver(message);
    assert.equal(result.via, 'smtp');
    assert.deepEqual(result.accepted?.sort(), ['ann@example.com', 'cc@example.com', 'hidden@example.com']);
    const got = await smtp.waitFor((m) => m.subject === 'Order shipped');
    assert.equal(got.from, 'shop@example.com');
    assert.deepEqual(got.to, ['ann@example.com']);
    assert.deepEqual(got.cc, ['cc@example.com']);
    assert.ok(got.envelope.to.includes('hidden@example.com'), 'bcc in the envelope');
    assert.ok(!JSON.stringify([...got.headers.entries()]).includes('hidden@example.com'), 'bcc not in the headers');
    assert.equal(got.user, 'mailer');
    assert.equal(got.headers.get('x-order'), '42');
    assert.match(got.html, /on its way/);
    assert.equal(got.attachments[0]?.content.toString(), 'total 10');

    // a wrong password: the server refuses, deliver throws (the job would retry)
    await settings.update({ smtp: { password: 'wrong' } });
    await assert.rejects(mail.deliver(validateMailMessage({ to: 'a@example.com', subject: 'x', text: 'x' })));
    // fixed in the settings: the cached transport is rebuilt
    await settings.update({ smtp: { password: 's3cret' } });
    await mail.deliver(validateMailMessage({ to: 'a@example.com', subject: 'after fix', text: 'x' }));
    await smtp.waitFor((m) => m.subject === 'after fix');
  } finally {
    mail.close();
    await smtp.close();
  }
}, { only: ['sqlite'] });

eachDatabase('recipients the server refuses: all refused fails the attempt, some refused delivers to the rest', async (db) => {
  const { settings, mail } = await services(db, false);
  const smtp = await startSmtpCapture({ rejectRecipients: ['gone@example.com', 'left@example.com'] });
  try {
    await settings.update({ smtp: { enabled: true, host: '127.0.0.1', port: smtp.port } });
    await assert.rejects(mail.deliver(validateMailMessage({ to: 'gone@example.com', subject: 'nobody', text: 't' })));
    const partial = await mail.deliver(validateMailMessage({ to: ['gone@example.com', 'here@example.com'], cc: 'left@example.com', subject: 'some', text: 't' }));
    assert.deepEqual(partial.accepted, ['here@example.com']);
    assert.deepEqual(partial.rejected?.sort(), ['gone@example.com', 'left@example.com']);
    const got = await smtp.waitFor((m) => m.subject === 'some');
    assert.deepEqual(got.envelope.to, ['here@example.com']);
    assert.ok(!smtp.messages.some((m) => m.subject === 'nobody'));
  } finally {
    mail.close();
    await smtp.close();
  }
}, { only: ['sqlite'] });

eachDatabase('dev node without SMTP: mail lands in the outbox, once per job id', async (db) => {
  const { mail } = await services(db, true);
  assert.equal(mail.destination, 'outbox');
  const message = validateMailMessage({ to: 'dev@example.com', subject: 'Verify', html: '<b>hi</b>' });
  const first = await mail.deliver(message, { id: 'job1' });
  const again = await mail.deliver(message, { id: 'job1' });
  assert.deepEqual([first.via, first.messageId, again.messageId], ['outbox', 'job1', 'job1']);
  await mail.deliver(validateMailMessage({ to: 'other@example.com', subject: 'Second', text: 't' }), { id: 'job2' });
  const { items, total } = await mail.outbox.list(10, 0);
  assert.equal(total, 2);
  const verify = items.find((i) => i.id === 'job1');
  assert.equal(verify?.subject, 'Verify');
  assert.deepEqual(verify?.to, ['dev@example.com']);
  assert.equal(verify?.from, 'support@example.com', 'the default sender from settings.meta');
  assert.equal(verify?.message.html, '<b>hi</b>');
  assert.equal(await mail.outbox.clear(), 2);
});

eachDatabase('a non-dev node without SMTP refuses to deliver (the job stays retryable)', async (db) => {
  const { mail } = await services(db, false);
  assert.equal(mail.destination, 'none');
  await assert.rejects(mail.deliver(validateMailMessage({ to: 'a@example.com', subject: 's', text: 't' })), MailNotConfiguredError);
}, { only: ['sqlite'] });
