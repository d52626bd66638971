/**
 * The behaviour every PubSub backend must have, run against each one from `pubsub.test.ts`.
 * "Nodes" are PubSub objects on one shared transport (a MemoryBus, or one Redis server).
 *
 * No test waits for a fixed time: to prove a message did NOT arrive, a later "fence" message is
 * sent on a path that would have delivered it after the unwanted one, and the test waits for the
 * fence instead. That relies on per-connection ordering, which the order test checks directly.
 */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { uniqueTestName } from '../testing/services.js';
import type { HandlerErrorReporter } from './channel-handlers.js';
import type { PubSub, PubSubHandler } from './pubsub.js';

export interface PubSubNodeOptions {
  keyPrefix: string;
  onHandlerError?: HandlerErrorReporter;
}

export interface PubSubBackend {
  name: string;
  /** False (after skipping `t`) when the backend's service is unavailable. */
  available(t: TestContext): Promise<boolean>;
  /** A transport shared by the nodes of one test (a fresh bus; for Redis, the one server). */
  transport(): PubSubTransport;
}

export interface PubSubTransport {
  node(options: PubSubNodeOptions): Promise<PubSub>;
}

/** Records what a handler received and lets a test wait until a condition holds. */
export class Inbox {
  readonly messages: unknown[] = [];
  readonly channels: string[] = [];
  #waiters: Array<{ check: () => boolean; resolve: () => void }> = [];

  readonly handler: PubSubHandler = (message, channel) => {
    this.messages.push(message);
    this.channels.push(channel);
    this.#waiters = this.#waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  };

  /** Resolves once `count` messages arrived (the test runner's timeout bounds the wait). */
  waitForCount(count: number): Promise<void> {
    return this.waitUntil(() => this.messages.length >= count);
  }

  /** Resolves once a message deep-equal to `message` arrived. */
  waitFor(message: unknown): Promise<void> {
    return this.waitUntil(() => this.messages.some((m) => isDeepEqual(m, message)));
  }

  waitUntil(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ check, resolve }));
  }
}

function isDeepEqual(a: unknown, b: unknown): boolean {
  try {
    assert.deepEqual(a, b);
    return true;
  } catch {
    return false;
  }
}

// A hang guard, not a timing assertion: on a saturated machine a Redis connect alone took 11 s.
const TEST_TIMEOUT_MS = 90_000;

export function pubSubConformance(backend: PubSubBackend): void {
  describe(`PubSub conformance: ${backend.name}`, { timeout: TEST_TIMEOUT_MS }, () => {
    /** Opens nodes for one test and closes them after it, whatever happens. */
    async function setup(t: TestContext): Promise<{ node: (o?: Partial<PubSubNodeOptions>) => Promise<PubSub>; prefix: string } | undefined> {
      if (!(await backend.available(t))) return undefined;
      const transport = backend.transport();
      const prefix = uniqueTestName('pubsub');
      const opened: PubSub[] = [];
      t.after(() => Promise.all(opened.map((n) => n.close())));
      return {
        prefix,
        async node(o = {}) {
          const n = await transport.node({ keyPrefix: prefix, ...o });
          opened.push(n);
          return n;
        },
      };
    }

    test('delivers to every subscriber, on other nodes and on the publishing node', async (t) => {
      const s = await setup(t);
      if (!s) return;
      const a = await s.node();
      const b = await s.node();
      const [a1, a2, b1] = [new Inbox(), new Inbox(), new Inbox()];
      await a.subscribe('news', a1.handler);
      await a.subscribe('news', a2.handler);
      await b.subscribe('news', b1.handler);
      const message = { id: 'r1', n: 1, tags: ['x', 'y'], nested: { ok: true, none: null } };
      await a.publish('news', message);
      await Promise.all([a1.waitForCount(1), a2.waitForCount(1), b1.waitForCount(1)]);
      for (const inbox of [a1, a2, b1]) {
        assert.deepEqual(inbox.messages, [message]);
        assert.deepEqual(inbox.channels, ['news']);
      }
    });

    test('two nodes see each other\'s messages', async (t) => {
      const s = await setup(t);
      if (!s) return;
      const a = await s.node();
      const b = await s.node();
      const [onA, onB] = [new Inbox(), new Inbox()];
      await a.subscribe('sync', onA.handler);
      await b.subscribe('sync', onB.handler);
      await a.publish('sync', { from: 'a' });
      await b.publish('sync', { from: 'b' });
      await Promise.all([onA.waitForCount(2), onB.waitForCount(2)]);
      assert.deepEqual(onA.messages, [{ from: 'a' }, { from: 'b' }]);
      assert.deepEqual(onB.messages, [{ from: 'a' }, { from: 'b' }]);
    });

    test('a channel receives only its own messages', async (t) => {
      const s = await setup(t);
      if (!s) return;
      const a = await s.node();
      const b = await s.node();
      const [red, blue] = [new Inbox(), new Inbox()];
      await b.subscribe('red', red.handler);
      await b.subscribe('blue', blue.handler);
      await a.publish('blue', 1);
      await a.publish('red', 2);
      await a.publish('blue', 3);
      await a.publish('red-ish', 4);
      await a.publish('blue', 'fence');
      await blue.waitFor('fence');
      assert.deepEqual(red.messages, [2]);
      assert.deepEqual(blue.messages, [1, 3, 'fence']);
    });

    test('unsubscribe stops delivery to that handler only, and is idempotent', async (t) => {
      const s = await setup(t);
      if (!s) return;
      const a = await s.node();
      const b = await s.node();
      const [gone, stays] = [new Inbox(), new Inbox()];
      const off = await b.subscribe('topic', gone.handler);
      await b.subscribe('topic', stays.handler);
      await a.publish('topic', 'before');
      await Promise.all([gone.waitFor('before'), stays.waitFor('before')]);
      await off();
      await off();
      await a.publish('topic', 'after');
      await stays.waitFor('after');
      assert.deepEqual(gone.messages, ['before']);
      assert.deepEqual(stays.messages, ['before', 'after']);
    });

    test('the last unsubscribe of a channel and a later resubscribe both take effect', async (t) => {
      const s = await setup(t);
      if (!s) return;
      const a = await s.node();
      const b = await s.node();
      const first = new Inbox();
      const fence = new Inbox();
      await b.subscribe('fence', fence.handler);
      const off = await b.subscribe('flip', first.handler);
      await off();
      await a.publish('flip', 'unheard');
      await a.publish('fence', 1);
      await fence.waitFor(1);
      assert.deepEqual(first.messages, []);
      const second = new Inbox();
      await b.subscribe('flip', second.handler);
      await a.publish('flip', 'heard');
      await second.waitFor('heard');
      assert.deepEqual(second.messages, ['heard']);
      assert.deepEqual(first.messages, []);
    });

    test('racing subscribe and unsubscribe calls settle to the last intent', async (t) => {
      const s = await setup(t);
      if (!s) return;
      const a = await s.node();
      const b = await s.node();
      const inbox = new Inbox();
      const offs = await Promise.all(Array.from({ length: 5 }, () => b.subscribe('race', inbox.handler)));
      await Promise.all(offs.map((off) => off()));
      const last = new Inbox();
      const [, off] = await Promise.all([b.subscribe('race', last.handler).then((o) => o()), b.subscribe('race', last.handler)]);
      await a.publish('race', 'x');
      await last.waitFor('x');
      assert.deepEqual(inbox.messages, []);
      assert.deepEqual(last.messages, ['x']);
      await off();
    });

    test('one handler subscribed twice is called twice and needs two unsubscribes', async (t) => {
      const s = await setup(t);
      if (!s) return;
      const a = await s.node();
      const inbox = new Inbox();
      const fence = new Inbox();
      const off1 = await a.subscribe('twice', inbox.handler);
      const off2 = await a.subscribe('twice', inbox.handler);
      await a.subscribe('twice', fence.handler);
      await a.publish('twice', 1);
      await fence.waitFor(1);
      assert.deepEqual(inbox.messages, [1, 1]);
      await off1();
      await a.publish('twice', 2);
      await fence.waitFor(2);
      assert.deepEqual(inbox.messages, [1, 1, 2]);
      await off2();
      await a.publish('twice', 3);
      await fence.waitFor(3);
      assert.deepEqual(inbox.messages, [1, 1, 2]);
    });

    test('messages from one publisher arrive in the order they were published', async (t) => {
      const s = await setup(t);
      if (!s) return;
      const a = await s.node();
      const b = await s.node();
      const [local, remote] = [new Inbox(), new Inbox()];
      await a.subscribe('seq', local.handler);
      await b.subscribe('seq', remote.handler);
      const count = 300;
      const expected = Array.from({ length: count }, (_, i) => ({ i }));
      // Not awaited one by one: the backend must keep order even when publishes overlap.
      await Promise.all(expected.map((m) => a.publish('seq', m)));
      await Promise.all([local.waitForCount(count), remote.waitForCount(count)]);
      assert.deepEqual(local.messages, expected);
      assert.deepEqual(remote.messages, expected);
    });

    test('messages travel as JSON: handlers get a copy, Dates become strings', async (t) => {
      const s = await setup(t);
      if (!s) return;
      const a = await s.node();
      const inbox = new Inbox();
      await a.subscribe('json', inbox.handler);
      const sent = { when: new Date('2026-01-02T03:04:05.000Z'), skip: undefined, list: [1, 'two'] };
      await a.publish('json', sent);
      await inbox.waitForCount(1);
      assert.deepEqual(inbox.messages[0], { when: '2026-01-02T03:04:05.000Z', list: [1, 'two'] });
      assert.notEqual(inbox.messages[0], sent);
      await assert.rejects(a.publish('json', undefined), TypeError);
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      await assert.rejects(a.publish('json', cyclic), TypeError);
      await assert.rejects(a.publish('', 1), TypeError);
    });

    test('a throwing handler is reported and the other handlers still run', async (t) => {
      const s = await setup(t);
      if (!s) return;
      const reported: Array<{ err: unknown; channel: string }> = [];
      const a = await s.node({ onHandlerError: (err, channel) => reported.push({ err, channel }) });
      const after = new Inbox();
      await a.subscribe('boom', () => {
        throw new Error('handler bug');
      });
      await a.subscribe('boom', after.handler);
      await a.publish('boom', 'go');
      await after.waitFor('go');
      assert.equal(reported.length, 1);
      assert.equal(reported[0]?.channel, 'boom');
      assert.match(String(reported[0]?.err), /handler bug/);
    });

    test('a handler that publishes does not run inside publish()', async (t) => {
      const s = await setup(t);
      if (!s) return;
      const a = await s.node();
      const echo = new Inbox();
      const order: string[] = [];
      await a.subscribe('ping', (m) => {
        order.push(`handled ${String(m)}`);
        void a.publish('pong', m);
      });
      await a.subscribe('pong', echo.handler);
      const published = a.publish('ping', 'p');
      order.push('publish returned');
      await published;
      await echo.waitFor('p');
      assert.deepEqual(order, ['publish returned', 'handled p']);
    });

    test('nodes with different key prefixes do not hear each other', async (t) => {
      const s = await setup(t);
      if (!s) return;
      const other = uniqueTestName('pubsub');
      const mine = await s.node();
      const theirs = await s.node({ keyPrefix: other });
      const [mineInbox, theirInbox] = [new Inbox(), new Inbox()];
      await mine.subscribe('shared', mineInbox.handler);
      await theirs.subscribe('shared', theirInbox.handler);
      // Each publish is awaited, so the server orders them; each inbox's fence comes after any leak.
      await mine.publish('shared', 'mine');
      await theirs.publish('shared', 'theirs');
      await mine.publish('shared', 'fence');
      await theirs.publish('shared', 'fence');
      await Promise.all([mineInbox.waitFor('fence'), theirInbox.waitFor('fence')]);
      assert.deepEqual(mineInbox.messages, ['mine', 'fence']);
      assert.deepEqual(theirInbox.messages, ['theirs', 'fence']);
    });

    test('close is idempotent; a closed node refuses work and stops hearing messages', async (t) => {
      const s = await setup(t);
      if (!s) return;
      const a = await s.node();
      const b = await s.node();
      const [onA, onB] = [new Inbox(), new Inbox()];
      const offB = await b.subscribe('bye', onB.handler);
      await a.subscribe('bye', onA.handler);
      await b.close();
      await b.close();
      await offB();
      await assert.rejects(b.publish('bye', 1), /closed/);
      await assert.rejects(b.subscribe('bye', () => {}), /closed/);
      await a.publish('bye', 'after close');
      await onA.waitFor('after close');
      assert.deepEqual(onB.messages, []);
      await Promise.all([a.close(), a.close()]);
    });
  });
}
