import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { redisUrl, requireService, uniqueTestName } from '../../testing/services.js';
import { Inbox } from '../pubsub.conformance.js';
import { RedisPubSub } from './redis-pubsub.js';

/** A port nothing listens on: bind an ephemeral port, then release it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

test('an unreachable Redis fails at start with a message naming the URL, password hidden', async () => {
  const port = await closedPort();
  await assert.rejects(
    RedisPubSub.connect({ url: `redis://:topsecret@127.0.0.1:${port}`, keyPrefix: uniqueTestName('pubsub') }),
    (err: Error) => {
      assert.match(err.message, new RegExp(`^cannot connect to Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
      assert.match(err.message, /ECONNREFUSED/);
      assert.doesNotMatch(err.message, /topsecret/);
      return true;
    },
  );
});

test('after the subscriber connection drops, it reconnects and resubscribes by itself', { timeout: 30_000 }, async (t) => {
  if (!(await requireService(t, 'redis'))) return;
  const keyPrefix = uniqueTestName('pubsub');
  const lost: Error[] = [];
  const node = await RedisPubSub.connect({ url: redisUrl(), keyPrefix, onConnectionError: (err) => lost.push(err) });
  const admin = new Redis(redisUrl());
  t.after(async () => {
    await node.close();
    await admin.quit();
  });
  const inbox = new Inbox();
  await node.subscribe('events', inbox.handler);
  await node.publish('events', 'before');
  await inbox.waitFor('before');

  const clients = String(await admin.client('LIST'));
  const line = clients.split('\n').find((l) => l.includes(` name=${keyPrefix}-sub `));
  const id = line?.match(/\bid=(\d+)/)?.[1];
  assert.ok(id, 'the subscriber connection is named after the key prefix');
  await admin.client('KILL', 'ID', id);

  // Messages published while the node is away are lost (at-most-once), so keep publishing until
  // one arrives: that proves the subscription came back without any call from us.
  let n = 0;
  let heard = false;
  void inbox.waitUntil(() => inbox.messages.some((m) => typeof m === 'number')).then(() => (heard = true));
  while (!heard) {
    await node.publish('events', n++);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(lost.length >= 1, 'the lost connection was reported');
  assert.equal(inbox.channels.every((c) => c === 'events'), true);
});
