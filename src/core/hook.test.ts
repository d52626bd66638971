import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Hook, TaggedHook } from './hook.js';

test('handlers run by priority and can stop the chain', async () => {
  const hook = new Hook<{ log: string[] }>();
  hook.bind({ priority: 2, fn: async (e) => { e.log.push('b'); await e.next(); } });
  hook.bind({ priority: 1, fn: async (e) => { e.log.push('a'); await e.next(); e.log.push('a-after'); } });
  const e = { log: [] as string[] };
  await hook.trigger(e, (ev) => { ev.log.push('final'); });
  assert.deepEqual(e.log, ['a', 'b', 'final', 'a-after']);

  hook.bind({ id: 'stop', priority: 0, fn: (ev) => { ev.log.push('stop'); } });
  const e2 = { log: [] as string[] };
  await hook.trigger(e2, (ev) => { ev.log.push('final'); });
  assert.deepEqual(e2.log, ['stop']);
});

test('tagged handlers only run for their tags', async () => {
  const hook = new TaggedHook<{ collection: string; seen: string[] }>((e) => [e.collection]);
  hook.on('posts').bindFunc(async (e) => { e.seen.push('posts-handler'); await e.next(); });
  const a = { collection: 'posts', seen: [] as string[] };
  const b = { collection: 'users', seen: [] as string[] };
  await hook.trigger(a);
  await hook.trigger(b);
  assert.deepEqual(a.seen, ['posts-handler']);
  assert.deepEqual(b.seen, []);
});
