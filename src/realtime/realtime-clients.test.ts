import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { App } from '../app/app.js';
import { resolveConfig } from '../app/config.js';
import type { ClientSink, RealtimeClient } from './realtime-client.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('flush: a fan-out goes out in slices; a frame sent meanwhile joins the same write for clients not yet written, and the next pass for the others, in order', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'galley-clients-'));
  const app = await App.open(resolveConfig({ dataDir: dir }, {}), { logger: pino({ level: 'silent' }) });
  try {
    const count = 1200; // more than two slices of 500
    const writes: string[][] = [];
    const clients: RealtimeClient[] = [];
    for (let i = 0; i < count; i++) {
      const mine: string[] = [];
      writes.push(mine);
      const sink: ClientSink = {
        // The array is reused after the call: copy what it holds.
        write: (frames) => (mine.push(frames.join('')), 0),
        queued: () => 0,
        keepAlive: () => {},
        end: () => {},
      };
      clients.push(app.realtime.clients.connect({ ip: `10.0.${i >> 8}.${i & 255}`, sink, format: (e) => e.data }));
    }
    for (const c of clients) c.write('a');
    // This immediate was queued after the flush's: it runs once the first slice is written.
    await nextTurn();
    assert.equal(writes.filter((w) => w.length > 0).length, 500);
    for (const c of clients) c.write('b');
    for (let i = 0; i < 10; i++) await nextTurn();
    for (let i = 0; i < count; i++) assert.deepEqual(writes[i], i < 500 ? ['a', 'b'] : ['ab'], `client ${i}`);
    for (const c of clients) c.close();
  } finally {
    await app.close();
    await rm(dir, { recursive: true, force: true });
  }
});
