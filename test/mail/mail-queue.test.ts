/**
 * Mail through the queue on a real node (App + HTTP server + job worker) and a real SMTP server in
 * the process: delivered; with the server down, the job fails, retries with backoff and the message
 * arrives once the server is back; a rolled-back transaction sends nothing; the dev outbox over
 * HTTP and the SMTP test email route.
 */
import assert from 'node:assert/strict';
import { startSmtpCapture } from '../../src/testing/smtp-capture.js';
import { eachAppDialect } from '../http/test-app.js';
import { client } from '../sdk/sdk-client.js';
import { waitForJob } from './wait-for-job.js';

const fastRetries = { open: { builtinJobKinds: { mail: { backoff: { baseMs: 100, maxMs: 400 }, maxAttempts: 100 } } } };

eachAppDialect('mail is delivered through the queue; a down SMTP server delays it and loses nothing', async ({ app, call }) => {
  const smtp = await startSmtpCapture();
  const port = smtp.port;
  try {
    await call('PATCH', '/api/settings', { body: { smtp: { enabled: true, host: '127.0.0.1', port } } });
    const { jobId } = await app.mail.send({ to: 'ann@example.com', subject: 'First', text: 'hello' });
    const got = await smtp.waitFor((m) => m.subject === 'First');
    assert.deepEqual(got.to, ['ann@example.com']);
    assert.equal(got.from, 'support@example.com');
    const done = await waitForJob(app, jobId, (j) => j.state === 'completed');
    assert.equal(done.kind, 'mail.send');
    assert.equal(done.queue, 'mail');
    assert.equal((done.result as { via: string }).via, 'smtp');

    // the server goes away: the job fails and is retried, not lost
    await smtp.close();
    const { jobId: second } = await app.mail.send({ to: 'bob@example.com', subject: 'While down', text: 'x' });
    const failing = await waitForJob(app, second, (j) => j.attempts >= 2 && j.state !== 'running');
    assert.equal(failing.state, 'failed', 'a retry is pending');
    assert.match(failing.lastError ?? '', /ECONNREFUSED|connect/i);

    // back on the same port: the next retry delivers it
    const back = await startSmtpCapture({ port });
    try {
      const late = await back.waitFor((m) => m.subject === 'While down');
      assert.deepEqual(late.to, ['bob@example.com']);
      const delivered = await waitForJob(app, second, (j) => j.state === 'completed');
      assert.ok(delivered.attempts >= 3);
      assert.equal(back.messages.filter((m) => m.subject === 'While down').length, 1);
    } finally {
      await back.close();
    }
  } finally {
    await smtp.close().catch(() => {});
  }
}, fastRetries);

eachAppDialect('send validates, joins the ambient transaction, and a rollback sends nothing', async ({ app, call }) => {
  const smtp = await startSmtpCapture();
  try {
    await call('PATCH', '/api/settings', { body: { smtp: { enabled: true, host: '127.0.0.1', port: smtp.port } } });
    await assert.rejects(app.mail.send({ to: 'not-an-address', subject: 's', text: 't' }), (err: { status?: number; data?: Record<string, unknown> }) => {
      return err.status === 400 && err.data?.to !== undefined;
    });
    await assert.rejects(
      app.db.transaction(async () => {
        await app.mail.send({ to: 'x@example.com', subject: 'Rolled back', text: 't' });
        throw new Error('abort');
      }),
      /abort/,
    );
    let committedId = '';
    await app.db.transaction(async () => {
      committedId = (await app.mail.send({ to: 'x@example.com', subject: 'Committed', text: 't' })).jobId;
    });
    await smtp.waitFor((m) => m.subject === 'Committed');
    await waitForJob(app, committedId, (j) => j.state === 'completed');
    const all = await app.jobs.list({ kind: 'mail.send', perPage: 100 });
    assert.equal(all.items.length, 1, 'the rolled-back send left no job');
    assert.ok(!smtp.messages.some((m) => m.subject === 'Rolled back'));
  } finally {
    await smtp.close();
  }
});

eachAppDialect('dev node without SMTP: the outbox over HTTP, and the SMTP test email route', async ({ app, call, url, token }) => {
  const { jobId } = await app.mail.send({ to: 'dev@example.com', subject: 'Welcome', html: '<p>hi</p>' });
  await waitForJob(app, jobId, (j) => j.state === 'completed');
  assert.equal((await call('GET', '/api/mail/outbox', { token: null })).status, 401);
  const outbox = await call('GET', '/api/mail/outbox');
  assert.equal(outbox.status, 200);
  assert.deepEqual([outbox.body.page, outbox.body.perPage, outbox.body.totalItems, outbox.body.totalPages], [1, 30, 1, 1]);
  assert.equal(outbox.body.items[0].id, jobId);
  assert.equal(outbox.body.items[0].subject, 'Welcome');
  assert.deepEqual(outbox.body.items[0].to, ['dev@example.com']);

  assert.equal((await call('POST', '/api/settings/test/email', { body: { email: 'a@example.com', template: 'otp' }, token: null })).status, 401);
  const bad = await call('POST', '/api/settings/test/email', { body: { email: 'nope', template: 'unknown' } });
  assert.equal(bad.status, 400);
  assert.deepEqual(Object.keys(bad.body.data).sort(), ['email', 'template']);
  const sent = await call('POST', '/api/settings/test/email', { body: { email: 'check@example.com', template: 'verification' } });
  assert.equal(sent.status, 204);
  const after = await call('GET', '/api/mail/outbox');
  const test = after.body.items.find((m: { to: string[] }) => m.to[0] === 'check@example.com');
  assert.match(test.subject, /^Verify your Galley email$/);
  assert.match(test.message.html, /TEST_TOKEN/);

  // the official SDK's call sends the same body
  const pb = client(url, token);
  assert.equal(await pb.settings.testEmail('_superusers', 'sdk@example.com', 'password-reset'), true);
  const viaSdk = (await call('GET', '/api/mail/outbox')).body.items.find((m: { to: string[] }) => m.to[0] === 'sdk@example.com');
  assert.match(viaSdk.subject, /^Reset your Galley password$/);

  // SMTP enabled but unreachable: the test email says so at once
  await call('PATCH', '/api/settings', { body: { smtp: { enabled: true, host: '127.0.0.1', port: 1 } } });
  const failed = await call('POST', '/api/settings/test/email', { body: { email: 'check@example.com', template: 'otp' } });
  assert.equal(failed.status, 400);
  assert.equal(failed.body.message, 'Failed to send the test email.');
  assert.match(failed.body.data.smtp.message, /ECONNREFUSED|connect/i);
}, { config: { dev: true } });
