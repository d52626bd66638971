import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApiError } from '../core/errors.js';
import { isEmailAddress, MAX_RECIPIENTS, validateMailMessage } from './mail-message.js';

function rejects(input: unknown): Record<string, unknown> {
  try {
    validateMailMessage(input);
  } catch (err) {
    assert.ok(isApiError(err), String(err));
    assert.equal(err.status, 400);
    return err.data;
  }
  assert.fail(`accepted ${JSON.stringify(input)}`);
}

test('a message is normalised: every address list an array of {address, name?}', () => {
  const m = validateMailMessage({
    to: 'a@example.com',
    cc: [{ address: ' b@example.com ', name: 'B' }, 'c@example.com'],
    subject: 'Hi',
    text: 'hello',
    replyTo: 'r@example.com',
    headers: { 'X-Trace': '42' },
    attachments: [{ filename: 'a.txt', content: Buffer.from('abc').toString('base64'), contentType: 'text/plain' }],
  });
  assert.deepEqual(m.to, [{ address: 'a@example.com' }]);
  assert.deepEqual(m.cc, [{ address: 'b@example.com', name: 'B' }, { address: 'c@example.com' }]);
  assert.equal(m.bcc, undefined);
  assert.equal(m.replyTo, 'r@example.com');
  assert.deepEqual(m.headers, { 'X-Trace': '42' });
  assert.equal(m.attachments?.length, 1);
});

test('bad messages are a 400 naming each bad field', () => {
  assert.deepEqual(Object.keys(rejects({})).sort(), ['subject', 'text', 'to']);
  assert.equal((rejects({ to: 'nope', subject: 's', text: 't' }).to as { code: string }).code, 'validation_is_email');
  const list = rejects({ to: ['a@example.com', 'bad'], subject: 's', text: 't' }).to as Record<string, { code: string }>;
  assert.equal(list['1']?.code, 'validation_is_email');
  assert.ok(rejects({ to: 'a@example.com', subject: 'a\r\nBcc: x@evil.test', text: 't' }).subject, 'header injection in the subject');
  assert.ok(rejects({ to: [{ address: 'a@example.com', name: 'x\nBcc: y@z.io' }], subject: 's', text: 't' }).to);
  assert.ok(rejects({ to: 'a@example.com', subject: 's', text: 't', headers: { Bcc: 'x@y.io' } }).headers, 'reserved header');
  assert.ok(rejects({ to: 'a@example.com', subject: 's', text: 't', headers: { 'X-A': 'a\nb' } }).headers);
  assert.ok(rejects({ to: 'a@example.com', subject: 's', text: 't', replyTo: 'x' }).replyTo);
  assert.ok(rejects({ to: 'a@example.com', subject: 's', text: 't', attachments: [{ filename: 'a', content: '%%%' }] }).attachments);
  const many = Array.from({ length: MAX_RECIPIENTS + 1 }, (_, i) => `u${i}@example.com`);
  assert.ok(rejects({ to: many, subject: 's', text: 't' }).to);
  assert.ok(rejects(null));
  assert.ok(rejects('a@example.com'));
});

test('addresses', () => {
  for (const ok of ['a@example.com', 'first.last+tag@sub.example.org']) assert.ok(isEmailAddress(ok), ok);
  for (const bad of ['', 'a', 'a@b', 'a b@example.com', 'a@example.com\n', '<a@example.com>', 'a@@example.com']) {
    assert.ok(!isEmailAddress(bad), bad);
  }
});
