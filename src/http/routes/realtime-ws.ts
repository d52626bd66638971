/**
 * `/api/realtime/ws`: the realtime broker over a WebSocket, with a small JSON protocol (one object
 * per text message, documented in docs/realtime.md):
 *
 *   client -> server   {type:"auth", token?}            (no token = guest)
 *                      {type:"subscribe", topic, options?}
 *                      {type:"unsubscribe", topic?}      (no topic = all)
 *                      {type:"ping"}
 *   server -> client   {type:"connected", clientId}
 *                      {type:"authenticated" | "subscribed" | "unsubscribed" | "pong", id?, ...}
 *                      {type:"event", topic, data:{action, record}}
 *                      {type:"error", id?, status, message, data}
 *
 * Any request may carry an `id`, echoed in its answer. Topics and options are the SSE ones; the
 * token may also come with the upgrade (`Authorization` header or `?token=`).
 *
 * The realtime hooks fire as for SSE, so an app that refuses connections or filters subscriptions
 * there is not bypassed by this transport: `onRealtimeConnectRequest` before the socket is usable
 * (a refusal is the protocol's `error` then a close), `onRealtimeSubscribeRequest` per `subscribe`.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { WebSocket, WebSocketServer } from 'ws';
import type { App } from '../../app/app.js';
import type { AuthState } from '../../auth/auth-record.js';
import { authenticateToken, tokenFromHeader } from '../../auth/authenticate.js';
import { ApiError } from '../../core/errors.js';
import type { RealtimeRequest } from '../../hooks/app-hooks.js';
import type { RealtimeEvent } from '../../realtime/realtime-broker.js';
import type { Frame, RealtimeClient } from '../../realtime/realtime-client.js';
import { TopicError } from '../../realtime/realtime-topic.js';
import type { RecordSubscriptionOptions } from '../../realtime/realtime-topic.js';
import { toApiError } from '../error-response.js';
import { realIp } from '../middleware/client-ip.js';

export const REALTIME_WS_PATH = '/api/realtime/ws';
const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * A whole WebSocket text frame (RFC 6455 §5.2: FIN + text opcode, a 7, 16 or 64-bit length, no mask
 * from a server, no extension since per-message deflate is off on this server) around `payload`.
 */
function textFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x81;
  if (n < 126) out[1] = n;
  else if (n < 65536) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(out, head);
  return out;
}

/**
 * The event frame, built and framed once per event object (one per group) and shared by its
 * subscribers: the fan-out writes the same bytes to every socket, with no per-subscriber encoding
 * or framing.
 */
const frames = new WeakMap<RealtimeEvent, Buffer>();
function wsFrame(event: RealtimeEvent): Buffer {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = textFrame(Buffer.from(`{"type":"event","topic":${JSON.stringify(event.topic)},"data":${event.data}}`));
    frames.set(event, frame);
  }
  return frame;
}

/** One write's bytes: event frames as they are (already framed), the protocol's own answers framed here. */
function wsBytes(list: readonly Frame[]): Buffer {
  const first = list[0];
  if (list.length === 1 && first !== undefined && typeof first !== 'string') return Buffer.isBuffer(first) ? first : Buffer.from(first);
  const parts = list.map((f) => (typeof f === 'string' ? textFrame(Buffer.from(f)) : Buffer.isBuffer(f) ? f : Buffer.from(f)));
  return Buffer.concat(parts);
}

interface ProtocolError {
  status: number;
  message: string;
  data?: unknown;
}

function failure(status: number, message: string): ProtocolError {
  return { status, message, data: {} };
}

/** Close codes of a refused connection (RFC 6455 §7.4.1). */
const CLOSE_TRY_AGAIN_LATER = 1013;
const CLOSE_POLICY_VIOLATION = 1008;

/** What the realtime hooks see of a socket: its upgrade request, under the socket's auth at the time. */
function upgradeRequest(raw: IncomingMessage, url: URL, ip: string, auth: AuthState | null): RealtimeRequest {
  return { raw, auth, ip, url: raw.url ?? '/', method: raw.method ?? 'GET', headers: raw.headers, query: Object.fromEntries(url.searchParams) };
}

/** Attaches the endpoint to the Fastify server; its connections close with the server. */
export function registerRealtimeWebSocket(app: App, fastify: FastifyInstance): void {
  // `ws` loads on the first upgrade to this endpoint, not at start.
  let wssLoading: Promise<WebSocketServer> | undefined;
  const websocketServer = (): Promise<WebSocketServer> =>
    (wssLoading ??= import('ws').then(({ WebSocketServer }) => new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES })));
  const authDeps = { db: app.db, collections: app.collections };

  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== REALTIME_WS_PATH && url.pathname !== `${REALTIME_WS_PATH}/`) return; // another endpoint's upgrade
    void (async () => {
      const token = tokenFromHeader(request.headers.authorization) ?? (url.searchParams.get('token') || undefined);
      let auth: AuthState | null = null;
      if (token !== undefined) auth = (await authenticateToken(authDeps, token)) ?? null;
      const ip = realIp(request, app.settings.get().trustedProxy);
      const wss = await websocketServer();
      const hookRequest = (current: AuthState | null): RealtimeRequest => upgradeRequest(request, url, ip, current);
      const open = (): void => wss.handleUpgrade(request, socket, head, (ws) => accept(ws, socket, ip, auth, hookRequest));
      const hook = app.hooks.onRealtimeConnectRequest;
      if (hook.length === 0) return open();
      let opened = false;
      try {
        await hook.trigger({ request: hookRequest(auth), transport: 'websocket' }, () => {
          opened = true;
          open();
        });
      } catch (err) {
        // After next() the socket is the client's; SSE keeps its stream then too.
        if (opened) return app.logger.error({ err }, 'realtime websocket connect hook failed after next()');
        // Upgraded only to say why: a browser's WebSocket cannot read a refused upgrade's body.
        wss.handleUpgrade(request, socket, head, (ws) => refuse(ws, err, CLOSE_POLICY_VIOLATION, 'refused'));
        return;
      }
      // A handler that neither opened nor refused: as SSE's 204, a normal close and no client.
      if (!opened) wss.handleUpgrade(request, socket, head, (ws) => ws.close(1000));
    })().catch(() => socket.destroy());
  };

  /** The protocol's refusal: an `error` message with the error's registry status, then a close. */
  function refuse(ws: WebSocket, err: unknown, code: number, reason: string): void {
    const { error, unexpected } = toApiError(err);
    if (unexpected) app.logger.error({ err }, 'realtime websocket connection refused by an unexpected error');
    ws.send(JSON.stringify({ type: 'error', ...error.toJSON() }));
    ws.close(code, reason);
  }

  /**
   * `socket` is the one `ws` took over: frames are written to it directly, whole and in one write
   * per flush (`ws` would write a header and a payload per message). Safe beside `ws`'s own writes
   * (pings, close): with no per-message deflate `ws` never queues a frame, so whole frames
   * interleave in call order; nothing is written once the socket is no longer OPEN (after a close
   * frame only the closing handshake may follow).
   */
  function accept(ws: WebSocket, socket: Duplex, ip: string, auth: AuthState | null, hookRequest: (auth: AuthState | null) => RealtimeRequest): void {
    let client: RealtimeClient;
    try {
      client = app.realtime.clients.connect({
        ip,
        format: wsFrame,
        sink: {
          write: (list) => {
            if (ws.readyState === ws.OPEN) socket.write(wsBytes(list));
            return socket.writableLength;
          },
          queued: () => socket.writableLength,
          keepAlive: () => ws.ping(),
          end: (reason) => {
            if (reason === 'dropped') ws.terminate();
            else ws.close(reason === 'shutdown' ? 1001 : 1000, reason);
          },
        },
      });
    } catch (err) {
      refuse(ws, err, CLOSE_TRY_AGAIN_LATER, 'too many connections');
      return;
    }
    if (auth !== null) client.setAuth(auth);
    ws.on('close', () => client.close('closed'));
    ws.on('error', () => client.close('closed'));
    // Messages are handled one after another (an `auth` then a `subscribe` keep their order).
    let chain: Promise<void> = Promise.resolve();
    ws.on('message', (raw, isBinary) => {
      const text = isBinary ? undefined : raw.toString();
      chain = chain.then(async () => {
        const answer = await handle(client, text, hookRequest);
        if (answer !== undefined) client.write(JSON.stringify(answer));
      });
    });
    client.write(JSON.stringify({ type: 'connected', clientId: client.id }));
  }

  async function handle(client: RealtimeClient, text: string | undefined, hookRequest: (auth: AuthState | null) => RealtimeRequest): Promise<Record<string, unknown> | undefined> {
    let msg: Record<string, unknown>;
    try {
      const parsed: unknown = text === undefined ? undefined : JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      msg = parsed as Record<string, unknown>;
    } catch {
      return { type: 'error', ...failure(400, 'Messages must be JSON objects.') };
    }
    const id = typeof msg.id === 'string' || typeof msg.id === 'number' ? { id: msg.id } : {};
    try {
      switch (msg.type) {
        case 'ping':
          return { type: 'pong', ...id };
        case 'auth': {
          const token = typeof msg.token === 'string' ? tokenFromHeader(msg.token) : undefined;
          let auth: AuthState | null = null;
          if (token !== undefined) {
            auth = (await authenticateToken(authDeps, token)) ?? null;
            if (auth === null) return { type: 'error', ...id, ...failure(401, 'Missing or invalid authentication.') };
          }
          client.setAuth(auth);
          const who = auth === null ? null : { id: auth.record.id, collectionId: auth.collection.id, collectionName: auth.collection.name };
          return { type: 'authenticated', ...id, auth: who };
        }
        case 'subscribe': {
          if (typeof msg.topic !== 'string' || msg.topic === '') return { type: 'error', ...id, ...failure(400, 'Missing topic.') };
          if (msg.topic.length > app.realtime.limits.maxTopicLength) return { type: 'error', ...id, ...failure(400, 'The topic is too long.') };
          const options = subscribeOptions(msg.options);
          if (options === undefined) return { type: 'error', ...id, ...failure(400, 'Invalid subscription options.') };
          const topic = msg.topic;
          const hook = app.hooks.onRealtimeSubscribeRequest;
          if (hook.length === 0) client.subscribe(topic, options);
          else {
            // The message's options belong to its own topic; a topic a handler adds has only its `?options=`.
            await hook.trigger({ request: hookRequest(client.auth), transport: 'websocket', clientId: client.id, subscriptions: [topic] }, (e) => {
              client.subscribeAll(e.subscriptions.map((name) => ({ name, options: name === topic ? options : {} })));
            });
          }
          return { type: 'subscribed', ...id, topic };
        }
        case 'unsubscribe': {
          const topic = typeof msg.topic === 'string' ? msg.topic : undefined;
          client.unsubscribe(topic);
          return { type: 'unsubscribed', ...id, ...(topic === undefined ? {} : { topic }) };
        }
        default:
          return { type: 'error', ...id, ...failure(400, 'Unknown message type.') };
      }
    } catch (err) {
      if (err instanceof TopicError || err instanceof RangeError) return { type: 'error', ...id, ...failure(400, err.message) };
      // A hook's refusal keeps its status, message and data, as the SSE routes answer it.
      if (err instanceof ApiError) return { type: 'error', ...id, ...err.toJSON() };
      app.logger.error({ err }, 'realtime websocket message failed');
      return { type: 'error', ...id, ...failure(500, 'Something went wrong while processing your request.') };
    }
  }

  fastify.server.on('upgrade', onUpgrade);
  // SSE and WebSocket connections never end by themselves: close them before the server waits on them.
  fastify.addHook('preClose', async () => {
    app.realtime.clients.closeAll();
  });
  fastify.addHook('onClose', async () => {
    fastify.server.off('upgrade', onUpgrade);
    const wss = await wssLoading;
    if (!wss) return;
    for (const ws of wss.clients) ws.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  });
}

/** `{filter?, expand?, fields?, query?, headers?}` with the right types, or undefined. */
function subscribeOptions(value: unknown): RecordSubscriptionOptions | undefined {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  const out: RecordSubscriptionOptions = {};
  for (const key of ['filter', 'expand', 'fields'] as const) {
    const v = o[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') return undefined;
    out[key] = v;
  }
  for (const key of ['query', 'headers'] as const) {
    const v = o[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'object' || Array.isArray(v)) return undefined;
    out[key] = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x)]));
  }
  return out;
}
