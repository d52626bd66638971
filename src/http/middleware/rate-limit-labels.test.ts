import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RateLimitRule } from '../../settings/settings-schema.js';
import { collectionRouteTags, findRateLimitRule, requestLabels } from './rate-limit-labels.js';

const rule = (label: string, audience: RateLimitRule['audience'] = ''): RateLimitRule => ({ label, maxRequests: 1, duration: 1, audience });

test('collection routes get PocketBase tags; other routes none', () => {
  assert.deepEqual(collectionRouteTags('POST', '/api/collections/:collection/auth-with-password'), ['authWithPassword', 'auth']);
  assert.deepEqual(collectionRouteTags('GET', '/api/collections/:collection/records/:id'), ['view']);
  assert.deepEqual(collectionRouteTags('POST', '/api/collections/:collection/records'), ['create']);
  assert.deepEqual(collectionRouteTags('GET', '/api/health'), []);
  assert.deepEqual(collectionRouteTags('GET', undefined), []);
});

test('labels: collection tags, wildcard tags, then method+path and path', () => {
  assert.deepEqual(requestLabels('POST', '/api/collections/users/auth-with-password', 'users', ['authWithPassword', 'auth']), [
    'users:authWithPassword',
    'users:auth',
    '*:authWithPassword',
    '*:auth',
    'POST /api/collections/users/auth-with-password',
    '/api/collections/users/auth-with-password',
  ]);
  assert.deepEqual(requestLabels('GET', '/api/health', undefined, []), ['GET /api/health', '/api/health']);
});

test('the first matching label wins; prefix rules end in "/"; audience filters', () => {
  const labels = requestLabels('POST', '/api/collections/users/records', 'users', ['create']);
  const rules = [rule('/api/'), rule('*:create'), rule('users:create', '@auth')];
  assert.equal(findRateLimitRule(rules, labels, true)?.label, 'users:create');
  assert.equal(findRateLimitRule(rules, labels, false)?.label, '*:create', 'a guest does not match @auth');
  assert.equal(findRateLimitRule([rule('/api/')], labels, false)?.label, '/api/');
  assert.equal(findRateLimitRule([rule('/api/collections/users/records/')], labels, false)?.label, '/api/collections/users/records/');
  assert.equal(findRateLimitRule([rule('/api/coll')], labels, false), undefined, 'a label without "/" is never a prefix');
  assert.equal(findRateLimitRule([rule('POST /api/collections/users/records')], labels, false)?.label, 'POST /api/collections/users/records');
  assert.equal(findRateLimitRule([rule('GET /api/collections/users/records')], labels, false), undefined);
  assert.equal(findRateLimitRule([rule('/api/', '@guest')], labels, true), undefined);
  assert.equal(findRateLimitRule([rule('POST /api/')], labels, true)?.label, 'POST /api/');
  // An exact path label comes before a prefix that only the later path label would reach.
  const both = [rule('/api/'), rule('/api/collections/users/records', '@guest')];
  assert.equal(findRateLimitRule(both, labels, false)?.label, '/api/collections/users/records');
});
