import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, fieldError, errorRegistry } from './errors.js';

test('ApiError serialises to the PocketBase error shape', () => {
  const err = new ApiError('not_found');
  assert.deepEqual(err.toJSON(), { status: 404, message: errorRegistry.not_found.message, data: {} });
});

test('fieldError fills placeholders from params', () => {
  assert.deepEqual(fieldError('validation_min_text_constraint', { min: 3 }), {
    code: 'validation_min_text_constraint',
    message: 'Must be at least 3 character(s).',
    params: { min: 3 },
  });
});
