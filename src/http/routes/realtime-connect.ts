/**
 * `GET /api/realtime`: PocketBase's SSE stream. The first frame is `PB_CONNECT` with the client id;
 * every frame carries `id:<clientId>` (the SDK reads the id from `lastEventId`); events are named
 * by the exact subscription string and carry `{action, record}`. Subscriptions are set with
 * `POST /api/realtime` on any node (realtime-subscribe.ts).
 */
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import type { RealtimeEvent } from '../../realtime/realtime-broker.js';
import type { RealtimeClient } from '../../realtime/realtime-client.js';
import { realIp } from '../middleware/client-ip.js';

/** `event:` + `data:` lines, UTF-8 encoded once per event object (one per group). */
const eventParts = new WeakMap<RealtimeEvent, Buffer>();
/** The `id:` line, encoded once per client. */
const idLines = new WeakMap<RealtimeClient, Buffer>();

/** One SSE frame per event: the client's `id:` line and the shared bytes, copied, not re-encoded. */
export function sseFrame(event: RealtimeEvent, client: RealtimeClient): Buffer {
  let part = eventParts.get(event);
  if (part === undefined) {
    part = Buffer.from(`event:${event.topic}\ndata:${event.data}\n\n`);
    eventParts.set(event, part);
  }
  let id = idLines.get(client);
  if (id === undefined) {
    id = Buffer.from(`id:${client.id}\n`);
    idLines.set(client, id);
  }
  return Buffer.concat([id, part], id.length + part.length);
}

export function realtimeConnectRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/realtime',
    handler: function connectRealtime(request, reply) {
      const res = reply.raw;
      // Refused (429) before the stream starts, as a normal JSON error.
      const client = app.realtime.clients.connect({
        ip: realIp(request.raw, app.settings.get().trustedProxy),
        format: sseFrame,
        sink: {
          write: (frame) => {
            res.write(frame);
            return res.writableLength;
          },
          keepAlive: () => {
            res.write(':\n\n');
          },
          end: (reason) => {
            if (reason === 'dropped') res.destroy();
            else res.end();
          },
        },
      });
      reply.hijack();
      res.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // nginx would otherwise buffer the stream.
        'x-accel-buffering': 'no',
      });
      res.socket?.setNoDelay(true);
      const onGone = (): void => client.close('closed');
      request.raw.once('close', onGone);
      res.once('close', onGone);
      res.once('error', onGone);
      client.write(`id:${client.id}\nevent:PB_CONNECT\ndata:${JSON.stringify({ clientId: client.id })}\n\n`);
    },
  };
}
