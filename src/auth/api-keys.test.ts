import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiKeyAllows } from './api-keys.js';

test('API key scopes: *, read, collection:action with wildcards', () => {
  const posts = (action: string) => ({ collection: 'posts', action });
  assert.equal(apiKeyAllows(['*'], 'DELETE', undefined), true);
  assert.equal(apiKeyAllows(['read'], 'GET', undefined), true);
  assert.equal(apiKeyAllows(['read'], 'HEAD', posts('list')), true);
  assert.equal(apiKeyAllows(['read'], 'POST', posts('create')), false);
  assert.equal(apiKeyAllows(['posts:list'], 'GET', posts('list')), true);
  assert.equal(apiKeyAllows(['posts:list'], 'GET', posts('view')), false);
  assert.equal(apiKeyAllows(['posts:*'], 'PATCH', posts('update')), true);
  assert.equal(apiKeyAllows(['*:view'], 'GET', posts('view')), true);
  assert.equal(apiKeyAllows(['users:*'], 'GET', posts('list')), false);
  assert.equal(apiKeyAllows(['posts:*'], 'GET', undefined), false, 'a collection scope reaches no other route');
  assert.equal(apiKeyAllows([], 'GET', posts('list')), false);
  assert.equal(apiKeyAllows(['users:*', 'read'], 'GET', posts('list')), true, 'scopes are alternatives');
});
