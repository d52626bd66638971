import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { App } from '../app/app.js';
import { resolveConfig } from '../app/config.js';
import { startServer } from './server.js';

test('close() cuts connections still busy after the grace period instead of waiting for socket timeouts', { timeout: 30_000 }, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'galley-shutdown-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const app = await App.open(resolveConfig({ dataDir, jobs: false }), { logger: pino({ level: 'silent' }) });
  t.after(() => app.close());
  const server = await startServer(app, { http: '127.0.0.1:0', shutdownGraceMs: 200 });

  // A request whose headers never finish keeps its connection busy; Node would hold it for
  // headersTimeout (60 s) and Fastify's close() would wait that long.
  const { port } = new URL(server.url);
  const socket = connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  socket.write('GET /api/health HTTP/1.1\r\nHost: localhost\r\n');
  socket.on('error', () => {});
  const closed = once(socket, 'close');

  await server.close();
  await closed;
  assert.ok(socket.destroyed);
});
