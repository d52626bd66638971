/**
 * `GET /api/realtime`: PocketBase's SSE stream. The first frame is `PB_CONNECT` with the client id;
 * every frame carries `id:<clientId>` (the SDK reads the id from `lastEventId`); events are named
 * by the exact subscription string and carry `{action, record}`. Subscriptions are set with
 * `POST /api/realtime` on any node (realtime-subscribe.ts).
 */
import type { Socket } from 'node:net';
import type { RouteOptions } from 'fastify';
import type { App } from '../../app/app.js';
import { withConnectHook } from '../../hooks/realtime-connect-hook.js';
import type { RealtimeEvent } from '../../realtime/realtime-broker.js';
import type { Frame } from '../../realtime/realtime-client.js';
import { realIp } from '../middleware/client-ip.js';

/** `event:` + `data:` lines, UTF-8 encoded once per event object (one per group) and shared. */
const eventParts = new WeakMap<RealtimeEvent, Buffer>();

/** An event's shared bytes; the sink puts the client's `id:` line before each frame. */
export function sseFrame(event: RealtimeEvent): Buffer {
  let part = eventParts.get(event);
  if (part === undefined) {
    part = Buffer.from(`event:${event.topic}\ndata:${event.data}\n\n`);
    eventParts.set(event, part);
  }
  return part;
}

const EMPTY = Buffer.alloc(0);

/**
 * The bytes of one write: `id:<clientId>` before every frame (PocketBase sends it on each, the SDK
 * reads it), copied once into one buffer. `chunked`: framed as one HTTP/1.1 chunk, for writing
 * straight to the socket (the response's own write path would add a chunk header and a
 * `writev` per frame).
 */
function sseBytes(idLine: Buffer, frames: readonly Frame[], chunked: boolean): Buffer {
  let size = 0;
  for (const f of frames) size += idLine.length + (typeof f === 'string' ? Buffer.byteLength(f) : f.byteLength);
  const head = chunked ? `${size.toString(16)}\r\n` : '';
  const out = Buffer.allocUnsafe(head.length + size + (chunked ? 2 : 0));
  let at = out.write(head, 0, 'latin1');
  for (const f of frames) {
    at += idLine.copy(out, at);
    if (typeof f === 'string') at += out.write(f, at);
    else {
      out.set(f, at);
      at += f.byteLength;
    }
  }
  if (chunked) out.write('\r\n', at, 'latin1');
  return out;
}

export function realtimeConnectRoute(app: App): RouteOptions {
  return {
    method: 'GET',
    url: '/api/realtime',
    handler: withConnectHook(app, function connectRealtime(request, reply) {
      const res = reply.raw;
      let idLine = EMPTY;
      // Set once the head is sent: the socket to write chunks to directly, when the response is
      // chunked and owns its socket (else through the response, e.g. an HTTP/1.0 client).
      let direct: Socket | undefined;
      // Refused (429) before the stream starts, as a normal JSON error.
      const client = app.realtime.clients.connect({
        ip: realIp(request.raw, app.settings.get().trustedProxy),
        format: sseFrame,
        sink: {
          write: (frames) => {
            if (direct !== undefined) {
              if (!direct.destroyed) direct.write(sseBytes(idLine, frames, true));
              return direct.writableLength;
            }
            if (!res.destroyed) res.write(sseBytes(idLine, frames, false));
            return res.writableLength;
          },
          queued: () => (direct !== undefined ? direct.writableLength : res.writableLength),
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
      idLine = Buffer.from(`id:${client.id}\n`);
      // PB_CONNECT through the response, so Node sends it with the head in one write; later frames
      // go to the socket directly.
      res.write(sseBytes(idLine, [`event:PB_CONNECT\ndata:${JSON.stringify({ clientId: client.id })}\n\n`], false));
      const socket = res.socket;
      if (socket !== null && (res as { chunkedEncoding?: boolean }).chunkedEncoding === true) direct = socket;
      res.socket?.setNoDelay(true);
      const onGone = (): void => client.close('closed');
      request.raw.once('close', onGone);
      res.once('close', onGone);
      res.once('error', onGone);
    }),
  };
}
