import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSubscription, parseTopic, TopicError } from './realtime-topic.js';

test('topics: all records, one record, the legacy bare collection, custom topics', () => {
  assert.deepEqual(parseTopic('posts/*'), { kind: 'records', collection: 'posts', recordId: null });
  assert.deepEqual(parseTopic('posts/abc'), { kind: 'records', collection: 'posts', recordId: 'abc' });
  assert.deepEqual(parseTopic('posts'), { kind: 'records', collection: 'posts', recordId: null });
  assert.deepEqual(parseTopic('@oauth2'), { kind: 'custom', name: '@oauth2' });
  for (const bad of ['', '/*', 'posts/', 'posts/a/b']) assert.throws(() => parseTopic(bad), TopicError, bad);
});

test('subscriptions: the SDK options JSON feeds filter/expand/fields and @request.query/headers as strings', () => {
  const options = { query: { filter: 'a = 1', expand: 'author', fields: 'id', page: 2, flag: true }, headers: { 'X-Token': 'abc' } };
  const raw = `posts/*?options=${encodeURIComponent(JSON.stringify(options))}`;
  const s = parseSubscription(raw);
  assert.equal(s.name, raw);
  assert.equal(s.base, 'posts/*');
  assert.deepEqual(s.options, {
    query: { filter: 'a = 1', expand: 'author', fields: 'id', page: '2', flag: 'true' },
    filter: 'a = 1',
    expand: 'author',
    fields: 'id',
    headers: { 'X-Token': 'abc' },
    name: raw,
  });
  assert.deepEqual(parseSubscription('posts/*?other=1').options, { name: 'posts/*?other=1' });
  assert.throws(() => parseSubscription('posts/*?options=%7Bnope'), TopicError);
  assert.throws(() => parseSubscription('posts/*?options=%5B1%5D'), TopicError);
  assert.throws(() => parseSubscription('posts/*\nevent:x'), TopicError);
});
