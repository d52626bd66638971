/**
 * The node's realtime connections, and how a request on any node reaches a connection held by
 * another one (a round-robin load balancer sends `POST /api/realtime` anywhere, and the OAuth2
 * redirect too). No sticky sessions: a request for a client this node does not hold is put on the
 * PubSub (`realtime:control`); the node holding it applies it and answers on the asking node's reply
 * channel. No answer within `forwardTimeoutMs` means no node holds that client (404, as PocketBase
 * answers for an unknown client id).
 *
 * The auth of a forwarded request travels as a reference (collection id + record id), never as a
 * token: the holding node reads the record itself.
 */
import { randomUUID } from 'node:crypto';
import type { AuthRecord, AuthState } from '../auth/auth-record.js';
import type { Collection } from '../core/schema.js';
import type { RecordJson } from '../records/record-codec.js';
import { apiError, ApiError } from '../core/errors.js';
import { randomString } from '../lib/random-string.js';
import type { PubSub } from './pubsub.js';
import type { RealtimeBroker } from './realtime-broker.js';
import { RealtimeClient } from './realtime-client.js';
import type { ClientCloseReason, ClientSink, EventFormatter } from './realtime-client.js';
import type { RealtimeLimits } from './realtime-limits.js';
import { TopicError } from './realtime-topic.js';

const CH_CONTROL = 'realtime:control';
/**
 * Clients written per turn of the event loop. A pass over 10,000 clients is 10,000 system calls
 * (~100 ms); in slices, a write request that arrives meanwhile is handled between two slices, and
 * its event joins the frames of the clients not yet written (one write for both) instead of
 * waiting for the whole pass to end.
 */
const FLUSH_SLICE = 500;
const replyChannel = (nodeId: string): string => `realtime:reply:${nodeId}`;

export interface RealtimeClientsDeps {
  pubsub: PubSub;
  nodeId: string;
  broker: RealtimeBroker;
  /** The current limits (they may change at runtime through the settings). */
  limits: () => Readonly<RealtimeLimits>;
  /** Reads an auth record by reference (a forwarded request's auth); undefined when it is gone. */
  loadAuth: (collectionId: string, recordId: string) => Promise<AuthState | undefined>;
  onError?: (err: unknown, what: string) => void;
}

export interface SetSubscriptionsRequest {
  clientId: string;
  subscriptions: readonly string[];
  /** The auth of the request that sets them (PocketBase binds it to the client). */
  auth: AuthState | null;
  /**
   * The requester's IP when it is known to be the client's own (trusted proxy headers configured):
   * it must then be the stream's. Undefined skips the check: behind a balancer without trusted
   * headers every node may see a different balancer address for one client.
   */
  ip?: string | undefined;
}

interface AuthRef {
  c: string;
  r: string;
}

type ControlMessage =
  | { op: 'set'; id: string; from: string; clientId: string; subs: string[]; auth: AuthRef | null; ip: string | null }
  | { op: 'send'; id: string; from: string; clientId: string; topic: string; data: unknown };

interface ReplyMessage {
  id: string;
  /** 0 = done; else an HTTP status with `message`. */
  status: number;
  message?: string;
  /** `send`: whether the client held the topic. */
  delivered?: boolean;
}

export interface ConnectOptions {
  ip: string;
  sink: ClientSink;
  format: EventFormatter;
}

const AUTH_MISMATCH = "The current and the previous request authorization don't match.";
const UNKNOWN_CLIENT = 'Missing or invalid client id.';

export class RealtimeClients {
  readonly #deps: RealtimeClientsDeps;
  readonly #clients = new Map<string, RealtimeClient>();
  readonly #perIp = new Map<string, number>();
  /** `<collectionId>/<recordId>` -> the connections authenticated as that record. */
  readonly #byAuth = new Map<string, Set<RealtimeClient>>();
  readonly #pending = new Map<string, { resolve: (r: ReplyMessage) => void; timer: NodeJS.Timeout }>();
  readonly #offs: Array<() => Promise<void>> = [];
  #sweeper: NodeJS.Timeout | undefined;
  /** Clients that got frames since their last write (each once), for the next pass. */
  #dirty: RealtimeClient[] = [];
  /** The pass in progress (written FLUSH_SLICE clients per turn) and how far it got. */
  #pass: RealtimeClient[] = [];
  #passAt = 0;
  #flushQueued = false;
  #started = false;
  #peakQueuedBytes = 0;
  #dropped = 0;

  constructor(deps: RealtimeClientsDeps) {
    this.#deps = deps;
  }

  get limits(): Readonly<RealtimeLimits> {
    return this.#deps.limits();
  }

  /** Connections held by this node. */
  get size(): number {
    return this.#clients.size;
  }

  /** Clients dropped for not reading, and the most bytes any closed client had waiting (memory bound). */
  stats(): { connections: number; dropped: number; peakQueuedBytes: number } {
    return { connections: this.#clients.size, dropped: this.#dropped, peakQueuedBytes: this.#peakQueuedBytes };
  }

  get(clientId: string): RealtimeClient | undefined {
    return this.#clients.get(clientId);
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const { pubsub, nodeId } = this.#deps;
    this.#offs.push(await pubsub.subscribe(CH_CONTROL, (m) => void this.#onControl(m as ControlMessage)));
    this.#offs.push(await pubsub.subscribe(replyChannel(nodeId), (m) => this.#onReply(m as ReplyMessage)));
    const { idleTimeoutMs, maxLifetimeMs, keepAliveMs } = this.#deps.limits();
    const periods = [idleTimeoutMs, maxLifetimeMs, keepAliveMs].filter((p) => p > 0);
    // One timer for every connection: a sweep costs a pass over the map, not a timer per client.
    // At most a second apart, so limits lowered later through the settings apply within a second.
    const every = Math.max(10, Math.min(1000, ...periods.map((p) => Math.floor(p / 4))));
    this.#sweeper = setInterval(() => this.#sweep(), every);
    this.#sweeper.unref();
  }

  /** Closes every connection this node holds and stops answering other nodes. */
  async stop(): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    clearInterval(this.#sweeper);
    this.closeAll();
    for (const off of this.#offs.splice(0)) await off();
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.resolve({ id, status: 404, message: UNKNOWN_CLIENT });
    }
    this.#pending.clear();
  }

  /** Ends every connection this node holds (the HTTP server is closing); clients reconnect elsewhere. */
  closeAll(): void {
    for (const client of [...this.#clients.values()]) client.close('shutdown');
  }

  /** Registers a new connection; 429 when its IP holds too many already. */
  connect(options: ConnectOptions): RealtimeClient {
    const { broker } = this.#deps;
    const limits = this.#deps.limits();
    const count = this.#perIp.get(options.ip) ?? 0;
    if (count >= limits.maxConnectionsPerIp) throw apiError('too_many_requests', 'Too many realtime connections from this IP.');
    this.#perIp.set(options.ip, count + 1);
    const client = new RealtimeClient({
      id: randomString(40),
      ip: options.ip,
      broker,
      sink: options.sink,
      format: options.format,
      maxQueuedBytes: limits.maxQueuedBytes,
      maxSubscriptions: limits.maxSubscriptionsPerClient,
      schedule: this.#schedule,
      onClose: (c, reason) => this.#onClose(c, reason),
      onAuthChange: (c, previous) => this.#reindex(c, previous, c.auth),
    });
    this.#clients.set(client.id, client);
    return client;
  }

  /**
   * `POST /api/realtime` on any node: replaces the subscriptions of the client, wherever its stream
   * is. Throws ApiError: 404 unknown client, 403 auth mismatch, 400 other IP or a bad topic.
   */
  async setSubscriptions(req: SetSubscriptionsRequest): Promise<void> {
    const local = this.#clients.get(req.clientId);
    if (local !== undefined) {
      const failure = this.#apply(local, req.subscriptions, req.auth, req.ip);
      if (failure !== undefined) throw failure;
      return;
    }
    const auth = req.auth === null ? null : { c: req.auth.collection.id, r: req.auth.record.id };
    const reply = await this.#forward({ op: 'set', id: '', from: '', clientId: req.clientId, subs: [...req.subscriptions], auth, ip: req.ip ?? null });
    if (reply.status !== 0) throw replyError(reply);
  }

  /**
   * Sends `data` as event `topic` to one client on whichever node holds it, if that client is
   * subscribed to `topic` (the OAuth2 redirect: `sendToClient(state, '@oauth2', {state, code})`).
   * Resolves false when no node holds such a client.
   */
  async sendToClient(clientId: string, topic: string, data: unknown): Promise<boolean> {
    const local = this.#clients.get(clientId);
    if (local !== undefined) return this.#sendLocal(local, topic, data);
    const reply = await this.#forward({ op: 'send', id: '', from: '', clientId, topic, data });
    return reply.status === 0 && reply.delivered === true;
  }

  // --- internals -------------------------------------------------------------------------------

  /**
   * Frames go out in passes over the clients that got some, FLUSH_SLICE clients per `setImmediate`
   * (after the I/O callbacks of the turn): the events committed meanwhile (each write request is
   * its own callback) reach a client not yet written in the same write as the earlier ones, so
   * each client gets one socket write per pass. A client written earlier in the pass and given
   * frames again waits for the next pass, which keeps every client's frames in order.
   */
  readonly #schedule = (client: RealtimeClient): void => {
    this.#dirty.push(client);
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(this.#flush);
  };

  readonly #flush = (): void => {
    if (this.#passAt >= this.#pass.length) {
      this.#pass = this.#dirty;
      this.#passAt = 0;
      this.#dirty = [];
    }
    const pass = this.#pass;
    const end = Math.min(pass.length, this.#passAt + FLUSH_SLICE);
    while (this.#passAt < end) {
      const client = pass[this.#passAt++]!;
      try {
        client.flush();
      } catch (err) {
        this.#report(err, 'writing to a realtime client');
      }
    }
    if (this.#passAt < pass.length || this.#dirty.length > 0) {
      setImmediate(this.#flush);
      return;
    }
    this.#pass = [];
    this.#passAt = 0;
    this.#flushQueued = false;
  };

  #sendLocal(client: RealtimeClient, topic: string, data: unknown): boolean {
    if (!client.has(topic)) return false;
    return this.#deps.broker.deliverCustom(client, topic, data);
  }

  /** Applies a subscription set to a client held here; an ApiError when refused. */
  #apply(client: RealtimeClient, subs: readonly string[], auth: AuthState | null, ip: string | undefined): ApiError | undefined {
    if (ip !== undefined && client.ip !== ip) return apiError('bad_request', 'The realtime client belongs to another IP address.');
    const old = client.auth;
    if (old !== null && (auth === null || old.collection.id !== auth.collection.id || old.record.id !== auth.record.id)) {
      return apiError('forbidden', AUTH_MISMATCH);
    }
    try {
      client.setSubscriptions(subs, auth);
    } catch (err) {
      if (err instanceof TopicError || err instanceof RangeError) return apiError('bad_request', err.message);
      throw err;
    }
    return undefined;
  }

  async #forward(message: ControlMessage): Promise<ReplyMessage> {
    const id = randomUUID();
    const full = { ...message, id, from: this.#deps.nodeId };
    const reply = new Promise<ReplyMessage>((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve({ id, status: 404, message: UNKNOWN_CLIENT });
      }, this.#deps.limits().forwardTimeoutMs);
      timer.unref();
      this.#pending.set(id, { resolve, timer });
    });
    try {
      await this.#deps.pubsub.publish(CH_CONTROL, full);
    } catch (err) {
      const p = this.#pending.get(id);
      if (p !== undefined) {
        clearTimeout(p.timer);
        this.#pending.delete(id);
      }
      throw apiError('unavailable', undefined, {}, err);
    }
    return reply;
  }

  async #onControl(m: ControlMessage): Promise<void> {
    if (m === null || typeof m !== 'object' || typeof m.clientId !== 'string' || typeof m.from !== 'string') return;
    if (m.from === this.#deps.nodeId) return; // asked locally first; not here
    const client = this.#clients.get(m.clientId);
    if (client === undefined) return; // another node's, or nobody's: the asker times out
    let reply: ReplyMessage;
    try {
      if (m.op === 'send') {
        reply = { id: m.id, status: 0, delivered: this.#sendLocal(client, m.topic, m.data) };
      } else {
        let auth: AuthState | null = null;
        if (m.auth !== null) {
          const old = client.auth;
          // The same identity keeps its record unless re-read; a different one is refused in #apply.
          auth = old !== null && old.collection.id === m.auth.c && old.record.id === m.auth.r
            ? (await this.#deps.loadAuth(m.auth.c, m.auth.r)) ?? old
            : (await this.#deps.loadAuth(m.auth.c, m.auth.r)) ?? null;
        }
        const failure = this.#apply(client, Array.isArray(m.subs) ? m.subs.map(String) : [], auth, typeof m.ip === 'string' ? m.ip : undefined);
        reply = failure === undefined ? { id: m.id, status: 0 } : { id: m.id, status: failure.status, message: failure.message };
      }
    } catch (err) {
      this.#report(err, 'applying a forwarded realtime request');
      reply = { id: m.id, status: 500 };
    }
    await this.#deps.pubsub.publish(replyChannel(m.from), reply).catch((err: unknown) => this.#report(err, 'answering a forwarded realtime request'));
  }

  #onReply(m: ReplyMessage): void {
    if (m === null || typeof m !== 'object' || typeof m.id !== 'string') return;
    const p = this.#pending.get(m.id);
    if (p === undefined) return;
    clearTimeout(p.timer);
    this.#pending.delete(m.id);
    p.resolve(m);
  }

  /**
   * An auth record changed: its connections get the new state (rules see current fields), or are
   * closed when it was deleted (PocketBase does both).
   */
  authRecordChanged(action: 'create' | 'update' | 'delete', collection: Collection, record: RecordJson): void {
    const set = this.#byAuth.get(authKey(collection.id, String(record.id)));
    if (set === undefined || action === 'create') return;
    for (const client of [...set]) {
      if (action === 'delete') {
        client.close('closed');
        continue;
      }
      const old = client.auth;
      if (old === null) continue;
      // Secrets never travel on the bus; the client keeps the ones it had (rules never read them).
      client.setAuth({ collection, record: { ...record, password: old.record.password, tokenKey: old.record.tokenKey } as AuthRecord });
    }
  }

  #reindex(client: RealtimeClient, previous: AuthState | null, next: AuthState | null): void {
    if (previous !== null) {
      const key = authKey(previous.collection.id, previous.record.id);
      const set = this.#byAuth.get(key);
      set?.delete(client);
      if (set?.size === 0) this.#byAuth.delete(key);
    }
    if (next !== null && !client.closed) {
      const key = authKey(next.collection.id, next.record.id);
      let set = this.#byAuth.get(key);
      if (set === undefined) {
        set = new Set();
        this.#byAuth.set(key, set);
      }
      set.add(client);
    }
  }

  #onClose(client: RealtimeClient, reason: ClientCloseReason): void {
    this.#reindex(client, client.auth, null);
    if (reason === 'dropped') this.#dropped++;
    if (client.peakQueuedBytes > this.#peakQueuedBytes) this.#peakQueuedBytes = client.peakQueuedBytes;
    if (this.#clients.get(client.id) === client) this.#clients.delete(client.id);
    const n = (this.#perIp.get(client.ip) ?? 1) - 1;
    if (n <= 0) this.#perIp.delete(client.ip);
    else this.#perIp.set(client.ip, n);
  }

  #sweep(): void {
    const { idleTimeoutMs, maxLifetimeMs, keepAliveMs } = this.#deps.limits();
    const now = Date.now();
    for (const client of [...this.#clients.values()]) {
      if (maxLifetimeMs > 0 && now - client.connectedAt >= maxLifetimeMs) client.close('lifetime');
      else if (idleTimeoutMs > 0 && now - client.lastEventAt >= idleTimeoutMs) client.close('idle');
      else if (keepAliveMs > 0 && now - client.lastWriteAt >= keepAliveMs) client.keepAlive();
    }
  }

  #report(err: unknown, what: string): void {
    if (this.#deps.onError) this.#deps.onError(err, what);
    else console.error(`realtime: failed ${what}:`, err);
  }
}

function authKey(collectionId: string, recordId: string): string {
  return `${collectionId}/${recordId}`;
}

function replyError(reply: ReplyMessage): ApiError {
  switch (reply.status) {
    case 403:
      return apiError('forbidden', reply.message);
    case 400:
      return apiError('bad_request', reply.message);
    case 404:
      return apiError('not_found', reply.message ?? UNKNOWN_CLIENT);
    default:
      return apiError('internal');
  }
}
