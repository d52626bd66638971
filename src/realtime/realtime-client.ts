/**
 * One realtime connection (an SSE stream or a WebSocket), whatever the transport: its id, IP,
 * auth, subscription set and bounded output. The transport supplies a `ClientSink` (how frames are
 * written and how many bytes wait unsent) and formats events; everything else is here so both
 * transports behave the same.
 *
 * Output is batched: frames are held until the registry's flush (`setImmediate` passes over the
 * clients that got frames), then each client's frames go out in ONE socket write. At a low event
 * rate that adds no measurable delay; when events arrive faster than one fan-out takes (a fan-out
 * to 10,000 sockets is 10,000 system calls), the events that arrived meanwhile share one write per
 * client, so the cost per delivery falls as the load rises.
 *
 * Back-pressure: the frames held until the flush plus the bytes Node holds for a client that does
 * not read are its queue. Past `maxQueuedBytes` the client is dropped (it may reconnect), so a
 * stalled reader costs the server at most that much memory.
 */
import type { AuthState } from '../auth/auth-record.js';
import type { RealtimeMessageClient } from '../hooks/app-hooks.js';
import type { RealtimeBroker, RealtimeEvent, RealtimeSubscriber } from './realtime-broker.js';
import { parseSubscription } from './realtime-topic.js';
import type { ParsedSubscription, RecordSubscriptionOptions } from './realtime-topic.js';

/** A frame: text, or bytes pre-encoded once per event and shared by every client (never mutated). */
export type Frame = string | Uint8Array;

export interface ClientSink {
  /**
   * Writes the frames, in order, with as few system calls as the transport allows (one); returns
   * how many bytes now wait unsent for this client. The array is reused once this returns: read
   * it, never keep it.
   */
  write(frames: readonly Frame[]): number;
  /** How many bytes wait unsent for this client (in Node, not yet taken by the kernel). */
  queued(): number;
  /** A keep-alive the client's protocol ignores (SSE comment, WebSocket ping). */
  keepAlive(): void;
  /** Ends the connection (`dropped`: the client did not keep up and should reconnect). */
  end(reason: ClientCloseReason): void;
}

export type ClientCloseReason = 'closed' | 'dropped' | 'idle' | 'lifetime' | 'shutdown';

export type EventFormatter = (event: RealtimeEvent, client: RealtimeClient) => Frame;

export interface RealtimeClientOptions {
  id: string;
  ip: string;
  broker: RealtimeBroker;
  sink: ClientSink;
  format: EventFormatter;
  maxQueuedBytes: number;
  maxSubscriptions: number;
  /** Called once when the client gets its first frame since the last flush: it must call `flush()` soon (same turn). */
  schedule: (client: RealtimeClient) => void;
  onClose: (client: RealtimeClient, reason: ClientCloseReason) => void;
  /** After `auth` changed (the registry indexes clients by auth record). */
  onAuthChange?: (client: RealtimeClient, previous: AuthState | null) => void;
}

export class RealtimeClient implements RealtimeSubscriber {
  readonly id: string;
  readonly ip: string;
  readonly connectedAt = Date.now();
  /** When the last event was delivered (idle timeout) and the last frame written (keep-alive). */
  lastEventAt = Date.now();
  lastWriteAt = Date.now();
  #auth: AuthState | null = null;
  /** The most bytes ever waiting unsent for this client (at most maxQueuedBytes + one frame). */
  peakQueuedBytes = 0;
  readonly #opts: RealtimeClientOptions;
  /** subscription name -> its parse and unsubscribe function */
  readonly #subs = new Map<string, { parsed: ParsedSubscription; off: () => void }>();
  /** Frames waiting for the flush, and their size in bytes. */
  #pending: Frame[] = [];
  #pendingBytes = 0;
  /** The array the next frames go to after a flush: two arrays per client, none made per event. */
  #spare: Frame[] = [];
  #closed = false;

  constructor(options: RealtimeClientOptions) {
    this.id = options.id;
    this.ip = options.ip;
    this.#opts = options;
  }

  /** The requester the subscriptions are checked for; null = guest. */
  get auth(): AuthState | null {
    return this.#auth;
  }

  #setAuthState(auth: AuthState | null): void {
    const previous = this.#auth;
    this.#auth = auth;
    if (previous !== auth) this.#opts.onAuthChange?.(this, previous);
  }

  /** Marks this subscriber as a connection: `onRealtimeMessageSend` handlers see it as their `client`. */
  get connection(): RealtimeMessageClient {
    return this;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The subscription names, in the order they were added. */
  subscriptions(): string[] {
    return [...this.#subs.keys()];
  }

  deliver(event: RealtimeEvent): boolean {
    if (this.#closed) return false;
    this.lastEventAt = Date.now();
    return this.write(this.#opts.format(event, this));
  }

  /**
   * Queues a frame for this turn's flush; drops the client when it has fallen too far behind
   * (then false).
   */
  write(frame: Frame): boolean {
    if (this.#closed) return false;
    this.lastWriteAt = Date.now();
    if (this.#pending.length === 0) this.#opts.schedule(this);
    this.#pending.push(frame);
    // Strings are only the transports' own small messages; an estimate (UTF-16 units) is enough.
    this.#pendingBytes += frame.length;
    return this.#checkQueue(this.#opts.sink.queued() + this.#pendingBytes);
  }

  /** Writes what was queued this turn in one go (the registry calls it once per turn). */
  flush(): void {
    if (this.#closed || this.#pending.length === 0) return;
    const frames = this.#pending;
    this.#pending = this.#spare;
    this.#pendingBytes = 0;
    let queued: number;
    try {
      queued = this.#opts.sink.write(frames);
    } finally {
      frames.length = 0;
      this.#spare = frames;
    }
    this.#checkQueue(queued);
  }

  #checkQueue(queued: number): boolean {
    if (queued > this.peakQueuedBytes) this.peakQueuedBytes = queued;
    if (queued <= this.#opts.maxQueuedBytes) return true;
    this.close('dropped');
    return false;
  }

  keepAlive(): void {
    if (this.#closed || this.#pending.length > 0) return;
    this.lastWriteAt = Date.now();
    this.#opts.sink.keepAlive();
  }

  /**
   * Replaces the whole subscription set (PocketBase's POST semantics). Subscriptions kept from the
   * previous set stay registered unless the auth changed. Throws TopicError (nothing changes then).
   */
  setSubscriptions(names: readonly string[], auth: AuthState | null): void {
    const parsed = [...new Set(names)].map((n) => parseSubscription(n));
    if (parsed.length > this.#opts.maxSubscriptions) throw new RangeError(`at most ${this.#opts.maxSubscriptions} subscriptions`);
    const authChanged = !sameAuth(this.#auth, auth);
    this.#setAuthState(auth);
    const wanted = new Set(parsed.map((p) => p.name));
    for (const [name, s] of this.#subs) {
      if (authChanged || !wanted.has(name)) {
        s.off();
        this.#subs.delete(name);
      }
    }
    for (const p of parsed) if (!this.#subs.has(p.name)) this.#add(p, p.options);
  }

  /** Adds one subscription (WebSocket): `options` merge over the string's own `?options=`. */
  subscribe(name: string, options: RecordSubscriptionOptions = {}): void {
    this.subscribeAll([{ name, options }]);
  }

  /**
   * Adds several subscriptions (a WebSocket `subscribe` after its hook), all or none: every name is
   * parsed and the limit checked before any is added, so a TopicError or RangeError changes nothing.
   * A name already held is replaced (its options may differ).
   */
  subscribeAll(list: ReadonlyArray<{ name: string; options?: RecordSubscriptionOptions }>): void {
    const parsed = list.map(({ name, options }) => ({ name, options, parsed: parseSubscription(name) }));
    const added = new Set(parsed.map((p) => p.name).filter((n) => !this.#subs.has(n)));
    if (this.#subs.size + added.size > this.#opts.maxSubscriptions) throw new RangeError(`at most ${this.#opts.maxSubscriptions} subscriptions`);
    for (const { name, options, parsed: p } of parsed) {
      if (this.#subs.has(name)) this.unsubscribe(name);
      this.#add(p, { ...p.options, ...options, name });
    }
  }

  unsubscribe(name?: string): void {
    for (const [n, s] of this.#subs) {
      if (name !== undefined && n !== name) continue;
      s.off();
      this.#subs.delete(n);
    }
  }

  /** Changes the auth and re-registers every subscription under it (WebSocket `auth`). */
  setAuth(auth: AuthState | null): void {
    if (sameAuth(this.#auth, auth)) {
      this.#setAuthState(auth);
      return;
    }
    this.#setAuthState(auth);
    const current = [...this.#subs.values()];
    this.#subs.clear();
    for (const s of current) {
      s.off();
      this.#add(s.parsed, s.parsed.options);
    }
  }

  /** Whether the client holds `name` (the OAuth2 redirect checks `@oauth2`). */
  has(name: string): boolean {
    return this.#subs.has(name);
  }

  close(reason: ClientCloseReason = 'closed'): void {
    if (this.#closed) return;
    // What was sent before the close still goes out first (not to a client dropped for not reading).
    if (reason !== 'dropped') {
      this.flush();
      if (this.#closed) return; // the flush dropped it
    }
    this.#closed = true;
    this.#pending = [];
    this.#pendingBytes = 0;
    for (const s of this.#subs.values()) s.off();
    this.#subs.clear();
    try {
      this.#opts.sink.end(reason);
    } finally {
      this.#opts.onClose(this, reason);
    }
  }

  #add(parsed: ParsedSubscription, options: RecordSubscriptionOptions): void {
    const { broker } = this.#opts;
    const off = parsed.topic.kind === 'custom'
      ? broker.subscribeCustom(this, parsed.topic.name, options.name ?? parsed.name)
      : broker.subscribeRecords(this, parsed.base, { ...options, name: options.name ?? parsed.name });
    this.#subs.set(parsed.name, { parsed: { ...parsed, options }, off });
  }
}

function sameAuth(a: AuthState | null, b: AuthState | null): boolean {
  if (a === null || b === null) return a === b;
  return a.collection.id === b.collection.id && a.record.id === b.record.id && a.record === b.record;
}
