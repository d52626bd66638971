/**
 * The local half every PubSub shares: which handlers listen on which channel on this node, and
 * how one decoded message reaches them. A throwing handler is reported and does not stop the
 * others, since handlers belong to unrelated subsystems (realtime, cache invalidation).
 */
import type { PubSubHandler } from './pubsub.js';

export type HandlerErrorReporter = (err: unknown, channel: string) => void;

export const reportToStderr: HandlerErrorReporter = (err, channel) => {
  console.error(`pubsub: a handler on channel "${channel}" failed:`, err);
};

export class ChannelHandlers {
  readonly #byChannel = new Map<string, Set<PubSubHandler>>();
  readonly #onError: HandlerErrorReporter;

  constructor(onError: HandlerErrorReporter = reportToStderr) {
    this.#onError = onError;
  }

  /** Adds a handler; returns true when it is the channel's first (the transport must subscribe). */
  add(channel: string, handler: PubSubHandler): boolean {
    let set = this.#byChannel.get(channel);
    const first = set === undefined;
    if (!set) {
      set = new Set();
      this.#byChannel.set(channel, set);
    }
    set.add(handler);
    return first;
  }

  /** Removes a handler; returns true when the channel has none left (the transport may unsubscribe). */
  remove(channel: string, handler: PubSubHandler): boolean {
    const set = this.#byChannel.get(channel);
    if (!set || !set.delete(handler)) return false;
    if (set.size > 0) return false;
    this.#byChannel.delete(channel);
    return true;
  }

  has(channel: string): boolean {
    return this.#byChannel.has(channel);
  }

  channels(): string[] {
    return [...this.#byChannel.keys()];
  }

  clear(): void {
    this.#byChannel.clear();
  }

  /** Decodes once and hands the same value to every handler of the channel. */
  dispatch(channel: string, payload: string): void {
    const set = this.#byChannel.get(channel);
    if (!set || set.size === 0) return;
    let message: unknown;
    try {
      message = JSON.parse(payload);
    } catch (err) {
      this.#onError(new Error('pubsub: dropped a message that is not JSON', { cause: err }), channel);
      return;
    }
    // A snapshot: a handler that unsubscribes (or subscribes) mid-dispatch changes the next message only.
    for (const handler of [...set]) {
      try {
        handler(message, channel);
      } catch (err) {
        this.#onError(err, channel);
      }
    }
  }
}

/** JSON text of a message, or a TypeError for values JSON cannot carry (undefined, functions, cycles). */
export function encodeMessage(message: unknown): string {
  const text = JSON.stringify(message);
  if (text === undefined) throw new TypeError('pubsub: the message is not JSON-serialisable');
  return text;
}

/**
 * Any non-empty string is a channel: SUBSCRIBE takes names literally, so realtime topics such as
 * `posts/*` need no escaping.
 */
export function assertChannelName(channel: string): void {
  if (typeof channel !== 'string' || channel === '') {
    throw new TypeError(`pubsub: invalid channel name ${JSON.stringify(channel)}`);
  }
}
