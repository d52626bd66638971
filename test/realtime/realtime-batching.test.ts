/**
 * The transports write each client's frames of one event-loop turn in ONE write: events published
 * together reach an SSE client as one HTTP chunk and a WebSocket client as whole frames back to
 * back. Checked on the wire, through the chunked framing (which TCP cannot merge or split), on
 * SQLite only: the transports do not depend on the database.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import { createTestApp } from '../http/test-app.js';

/** Reads `socket` until `done(text)` holds; returns everything read. */
function readUntil(socket: ReturnType<typeof connect>, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (!done(text)) return;
      socket.off('data', onData);
      resolve(text);
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

test('realtime: the events of one turn reach an SSE client in one chunk, each frame with its id line', async () => {
  const t = await createTestApp('sqlite', { open: { realtime: { idleTimeoutMs: 0, keepAliveMs: 0 } } });
  const socket = connect(Number(new URL(t.url).port), '127.0.0.1');
  try {
    socket.write('GET /api/realtime HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const head = await readUntil(socket, (s) => s.includes('PB_CONNECT') && s.endsWith('\r\n'));
    assert.match(head, /transfer-encoding: chunked/i);
    const clientId = /id:(\w{40})/.exec(head)?.[1];
    assert.ok(clientId, head);
    const sub = await t.call('POST', '/api/realtime', { body: { clientId, subscriptions: ['@a', '@b'] }, token: null });
    assert.equal(sub.status, 204);

    const body = readUntil(socket, (s) => s.includes('event:@b') && s.endsWith('\r\n'));
    await Promise.all([t.app.realtime.publishCustom('@a', { n: 1 }), t.app.realtime.publishCustom('@b', { n: 2 }), t.app.realtime.publishCustom('@a', { n: 3 })]);
    const text = await body;
    // One chunk: `<size>\r\n<three frames>\r\n`, the size covering all three.
    const m = /^([0-9a-f]+)\r\n([\s\S]*)\r\n$/.exec(text);
    assert.ok(m, JSON.stringify(text));
    const payload = m[2]!;
    assert.equal(Number.parseInt(m[1]!, 16), Buffer.byteLength(payload));
    assert.equal(
      payload,
      `id:${clientId}\nevent:@a\ndata:{"n":1}\n\n` + `id:${clientId}\nevent:@b\ndata:{"n":2}\n\n` + `id:${clientId}\nevent:@a\ndata:{"n":3}\n\n`,
    );
  } finally {
    socket.destroy();
    await t.cleanup();
  }
});
