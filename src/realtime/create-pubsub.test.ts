import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redisUrl, requireService, uniqueTestName } from '../testing/services.js';
import { createPubSub } from './create-pubsub.js';
import { Inbox } from './pubsub.conformance.js';

test('without a Redis URL the PubSub is in-process', async () => {
  const pubsub = await createPubSub({ keyPrefix: 'galley' });
  {
    assert.equal(pubsub.kind, 'memory');
    const inbox = new Inbox();
    await pubsub.subscribe('invalidate', inbox.handler);
    await pubsub.publish('invalidate', { what: 'collections' });
    await inbox.waitForCount(1);
    assert.deepEqual(inbox.messages, [{ what: 'collections' }]);

  }
  await pubsub.close();
});

test('with a Redis URL two PubSubs are two nodes of one deployment', async (t) => {
  if (!(await requireService(t, 'redis'))) return;
  const keyPrefix = uniqueTestName('pubsub');
  const a = await createPubSub({ redisUrl: redisUrl(), keyPrefix });
  const b = await createPubSub({ redisUrl: redisUrl(), keyPrefix });
  t.after(() => Promise.all([a.close(), b.close()]));
  assert.equal(a.kind, 'redis');
  const inbox = new Inbox();
  await b.subscribe('invalidate', inbox.handler);
  await a.publish('invalidate', { what: 'settings' });
  await inbox.waitForCount(1);
  assert.deepEqual(inbox.messages, [{ what: 'settings' }]);
});
