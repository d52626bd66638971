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

test('an ApiError from another copy of the module (an app file loaded through tsx) is an ApiError', async () => {
  const copy = (await import(`./errors.js?copy=${Date.now()}`)) as typeof import('./errors.js');
  assert.notEqual(copy.ApiError, ApiError);
  const err = copy.apiError('forbidden');
  assert.ok(err instanceof ApiError);
  assert.ok(!(new Error('x') instanceof ApiError));
});
