import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isApiError } from '../core/errors.js';
import { parseIdempotencyKey } from './idempotency-key-header.js';

function rejects(header: string | string[]): void {
  assert.throws(() => parseIdempotencyKey(header), (err) => isApiError(err) && err.status === 400);
}

describe('parseIdempotencyKey', () => {
  it('is undefined without the header', () => {
    assert.equal(parseIdempotencyKey(undefined), undefined);
  });
  it('reads the draft\'s structured-field string and the bare form', () => {
    assert.equal(parseIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"'), '8e03978e-40d5-43e8-bc93-6894a57f9324');
    assert.equal(parseIdempotencyKey('8e03978e-40d5'), '8e03978e-40d5');
    assert.equal(parseIdempotencyKey('"a \\"quoted\\" \\\\ key"'), 'a "quoted" \\ key');
    assert.equal(parseIdempotencyKey(['  k1  ']), 'k1');
  });
  it('rejects empty, overlong, non-ASCII, malformed and repeated keys with 400', () => {
    rejects('');
    rejects('""');
    rejects('x'.repeat(256));
    rejects('ключ');
    rejects('"unterminated');
    rejects('"bad \\n escape"');
    rejects('"trailing" junk');
    rejects(['a', 'b']);
  });
  it('accepts 255 characters', () => {
    assert.equal(parseIdempotencyKey('x'.repeat(255))?.length, 255);
  });
});
