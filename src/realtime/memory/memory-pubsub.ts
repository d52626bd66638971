/**
 * PubSub inside one process: the embedded shape (one node), and several in-process "nodes" when
 * they share a `MemoryBus`. Messages go through JSON like on Redis, so a handler never gets the
 * publisher's object (no shared mutation, Dates arrive as strings) and both backends behave alike.
 */
import { assertChannelName, ChannelHandlers, encodeMessage, type HandlerErrorReporter } from '../channel-handlers.js';
import type { PubSub, PubSubHandler } from '../pubsub.js';
import { MemoryBus } from './memory-bus.js';

export interface MemoryPubSubOptions {
  /** Share one to connect several MemoryPubSub "nodes"; a private bus by default. */
  bus?: MemoryBus;
  /** Namespaces channels on the bus, as on Redis. Default `galley`. */
  keyPrefix?: string;
  /** Where a throwing handler is reported. Default: stderr. */
  onHandlerError?: HandlerErrorReporter;
}

export class MemoryPubSub implements PubSub {
  readonly kind = 'memory' as const;
  readonly #bus: MemoryBus;
  readonly #prefix: string;
  readonly #handlers: ChannelHandlers;
  readonly #detach: () => void;
  #closed = false;

  constructor(options: MemoryPubSubOptions = {}) {
    this.#bus = options.bus ?? new MemoryBus();
    this.#prefix = `${options.keyPrefix ?? 'galley'}:`;
    this.#handlers = new ChannelHandlers(options.onHandlerError);
    this.#detach = this.#bus.attach((fullChannel, payload) => {
      if (this.#closed || !fullChannel.startsWith(this.#prefix)) return;
      this.#handlers.dispatch(fullChannel.slice(this.#prefix.length), payload);
    });
  }

  async publish(channel: string, message: unknown): Promise<void> {
    this.#assertOpen();
    assertChannelName(channel);
    this.#bus.send(this.#prefix + channel, encodeMessage(message));
  }

  async subscribe(channel: string, handler: PubSubHandler): Promise<() => Promise<void>> {
    this.#assertOpen();
    assertChannelName(channel);
    // A fresh function per subscription, so subscribing one handler twice needs two unsubscribes.
    const entry: PubSubHandler = (message, ch) => handler(message, ch);
    this.#handlers.add(channel, entry);
    let active = true;
    return async () => {
      if (!active) return;
      active = false;
      this.#handlers.remove(channel, entry);
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#detach();
    this.#handlers.clear();
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error('pubsub: closed');
  }
}
