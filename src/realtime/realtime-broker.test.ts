import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { App } from '../app/app.js';
import { resolveConfig } from '../app/config.js';
import type { RealtimeEvent, RealtimeSubscriber } from './realtime-broker.js';
import { TopicError } from './realtime-topic.js';

const AS_SUPERUSER = { auth: null, isSuperuser: true, request: { auth: null } };

async function withApp(fn: (app: App) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'galley-broker-'));
  const app = await App.open(resolveConfig({ dataDir: dir }, {}), { logger: pino({ level: 'silent' }) });
  try {
    await app.collections.create({ name: 'notes', type: 'base', fields: [{ name: 'text', type: 'text' }], listRule: '', viewRule: '' } as never);
    await fn(app);
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function inbox(): RealtimeSubscriber & { events: RealtimeEvent[]; next(n: number): Promise<void> } {
  const events: RealtimeEvent[] = [];
  const waiters: Array<() => void> = [];
  return {
    auth: null,
    events,
    deliver(e) {
      events.push(e);
      for (const w of waiters.splice(0)) w();
      return true;
    },
    async next(n) {
      while (events.length < n) await new Promise<void>((r) => waiters.push(r));
    },
  };
}

test('broker: one subscriber subscribed twice to the same topic gets each event once and needs two unsubscribes', async () => {
  await withApp(async (app) => {
    const sub = inbox();
    const fence = inbox();
    const off1 = app.realtime.subscribeRecords(sub, 'notes/*');
    const off2 = app.realtime.subscribeRecords(sub, 'notes/*');
    app.realtime.subscribeRecords(fence, 'notes/*');
    assert.equal(app.realtime.stats().groups, 1);
    await app.records.create('notes', { text: 'a' }, {}, AS_SUPERUSER);
    await fence.next(1);
    assert.equal(sub.events.length, 1);
    assert.deepEqual(JSON.parse(sub.events[0]!.data).action, 'create');
    off1();
    await app.records.create('notes', { text: 'b' }, {}, AS_SUPERUSER);
    await fence.next(2);
    assert.equal(sub.events.length, 2);
    off2();
    off2();
    await app.records.create('notes', { text: 'c' }, {}, AS_SUPERUSER);
    await fence.next(3);
    assert.equal(sub.events.length, 2);
  });
});

test('broker: custom topics reach their subscribers; @oauth2 is refused for broadcasts; bad topics throw', async () => {
  await withApp(async (app) => {
    const sub = inbox();
    const off = app.realtime.subscribeCustom(sub, '@chat');
    await app.realtime.publishCustom('@chat', { text: 'hi' });
    await sub.next(1);
    assert.deepEqual(sub.events[0], { topic: '@chat', data: '{"text":"hi"}' });
    off();
    await assert.rejects(app.realtime.publishCustom('@oauth2', {}), TypeError);
    assert.throws(() => app.realtime.subscribeRecords(sub, 'notes/a/b'), TopicError);
    assert.throws(() => app.realtime.subscribeRecords(sub, '@chat'), TopicError);
  });
});
