import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryBus } from '../realtime/memory/memory-bus.js';
import { MemoryPubSub } from '../realtime/memory/memory-pubsub.js';
import { Invalidation } from './invalidation.js';

// Regression: a node that received an invalidation kept answering from its old cache until the
// reload finished, so the next request after a change on another node could see the old schema.
test('requests on the receiving node can wait for the reload a message started', async () => {
  const bus = new MemoryBus();
  let finishReload!: () => void;
  let reloads = 0;
  const reload = () => new Promise<void>((resolve) => { reloads++; finishReload = resolve; });
  const a = new Invalidation({ pubsub: new MemoryPubSub({ bus }), nodeId: 'a', reload: { collections: async () => {}, settings: async () => {} } });
  const b = new Invalidation({ pubsub: new MemoryPubSub({ bus }), nodeId: 'b', reload: { collections: reload, settings: async () => {} } });
  await a.start();
  await b.start();
  assert.equal(b.settled(), undefined, 'nothing pending: the request path pays nothing');

  await a.publish('collections');
  await new Promise((r) => setImmediate(r));
  assert.equal(reloads, 1);
  const pending = b.settled();
  assert.ok(pending, 'the reload is pending on b');
  let done = false;
  void pending.then(() => { done = true; });
  await new Promise((r) => setImmediate(r));
  assert.equal(done, false, 'requests keep waiting while the reload runs');
  finishReload();
  await pending;
  assert.equal(b.settled(), undefined);
  assert.equal(a.settled(), undefined, 'a node ignores its own messages');
  await a.stop();
  await b.stop();
});
