import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderTemplate } from './render-template.js';

test('placeholders are replaced; values are HTML-escaped in the body only', () => {
  const out = renderTemplate(
    { subject: 'Welcome to {APP_NAME}', body: '<p>{APP_NAME}: <a href="{APP_URL}/confirm/{TOKEN}">go</a> {RECORD:name}</p>' },
    { APP_NAME: 'Tom & <Jerry>', APP_URL: 'https://x.test', TOKEN: 'a"b', 'RECORD:name': 'Ann' },
  );
  assert.equal(out.subject, 'Welcome to Tom & <Jerry>');
  assert.equal(out.html, '<p>Tom &amp; &lt;Jerry&gt;: <a href="https://x.test/confirm/a&quot;b">go</a> Ann</p>');
});

test('one pass: a value containing a placeholder is not substituted again; unknown placeholders stay', () => {
  const out = renderTemplate({ subject: '{A}{B}', body: '{A} {MISSING} {not a placeholder}' }, { A: '{B}', B: 'x' });
  assert.equal(out.subject, '{B}x');
  assert.equal(out.html, '{B} {MISSING} {not a placeholder}');
});

test('a line break in a subject value cannot start a new header', () => {
  assert.equal(renderTemplate({ subject: 'Hi {N}', body: '' }, { N: 'a\r\nBcc: x@y.z' }).subject, 'Hi a Bcc: x@y.z');
});
