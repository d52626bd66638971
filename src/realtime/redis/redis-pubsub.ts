/**
 * PubSub over Redis for several nodes. Two connections, because a Redis connection in subscribe
 * mode can run no other command: one publishes, one subscribes. Channels are `<keyPrefix>:<name>`
 * so deployments (and test runs) can share one Redis. ioredis is imported only when Redis is
 * configured, keeping embedded start-up light.
 *
 * Connection policy: the first connection must succeed, or `connect()` rejects with a clear message
 * (a typo in `--redis` should stop start-up, not retry forever). After that, ioredis reconnects with
 * a capped backoff and re-subscribes every channel itself (`autoResubscribe`). Messages published
 * while a node is disconnected are lost for it: delivery is at-most-once by contract.
 */
import type { Redis as RedisClient, RedisOptions } from 'ioredis';
import { redactUrl } from '../../lib/redact-url.js';
import { assertChannelName, ChannelHandlers, encodeMessage, type HandlerErrorReporter } from '../channel-handlers.js';
import type { PubSub, PubSubHandler } from '../pubsub.js';

export interface RedisPubSubOptions {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://` for TLS. */
  url: string;
  /** Prepended to every channel as `<keyPrefix>:`. Default `galley`. */
  keyPrefix?: string;
  /** Give up on the first connection after this many ms. Default 5000. */
  connectTimeoutMs?: number;
  /** Where a throwing handler is reported. Default: stderr. */
  onHandlerError?: HandlerErrorReporter;
  /**
   * Where a lost connection is reported (once per outage; ioredis keeps retrying). Default: stderr.
   */
  onConnectionError?: (err: Error) => void;
}

const MAX_BACKOFF_MS = 2000;

export class RedisPubSub implements PubSub {
  readonly kind = 'redis' as const;
  readonly #pub: RedisClient;
  readonly #sub: RedisClient;
  readonly #prefix: string;
  readonly #handlers: ChannelHandlers;
  /** Channels the subscriber connection has been told to SUBSCRIBE to (and not UNSUBSCRIBE from). */
  readonly #subscribed = new Set<string>();
  /** SUBSCRIBE/UNSUBSCRIBE run one at a time, so racing subscribe/unsubscribe calls settle correctly. */
  #ops: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;

  /** Connects both connections, or rejects with a message naming the (redacted) URL. */
  static async connect(options: RedisPubSubOptions): Promise<RedisPubSub> {
    const { Redis } = await import('ioredis');
    const where = redactUrl(options.url);
    const keyPrefix = options.keyPrefix ?? 'galley';
    const reportLost = options.onConnectionError ?? ((err: Error) => console.error(`pubsub: lost the Redis connection to ${where}: ${err.message}; reconnecting`));

    const open = async (role: string): Promise<RedisClient> => {
      let ready = false;
      let lastError: Error | undefined;
      let reported = false;
      const clientOptions: RedisOptions = {
        lazyConnect: true,
        connectTimeout: options.connectTimeoutMs ?? 5000,
        // Before the first success: stop at once so connect() rejects. After: retry forever.
        retryStrategy: (times) => (ready ? Math.min(times * 100, MAX_BACKOFF_MS) : null),
        maxRetriesPerRequest: 3,
        autoResubscribe: true,
        // Named so operators (and the reconnect test) can find a node's connections in CLIENT LIST.
        connectionName: `${keyPrefix}-${role}`,
      };
      const client = new Redis(options.url, clientOptions);
      client.on('error', (err: Error) => {
        lastError = err;
      });
      // 'reconnecting', not 'error': a server that closes the socket cleanly (restart, CLIENT KILL)
      // emits no error, yet the node is deaf until it is back.
      client.on('reconnecting', () => {
        if (reported) return;
        reported = true;
        reportLost(lastError ?? new Error('connection closed'));
      });
      client.on('ready', () => {
        reported = false;
        lastError = undefined;
      });
      try {
        await client.connect();
      } catch (err) {
        client.disconnect();
        const reason = lastError?.message ?? (err instanceof Error ? err.message : String(err));
        throw new Error(`cannot connect to Redis at ${where}: ${reason}`, { cause: lastError ?? err });
      }
      ready = true;
      return client;
    };

    const pub = await open('pub');
    let sub: RedisClient;
    try {
      sub = await open('sub');
    } catch (err) {
      pub.disconnect();
      throw err;
    }
    return new RedisPubSub(pub, sub, options);
  }

  private constructor(pub: RedisClient, sub: RedisClient, options: RedisPubSubOptions) {
    this.#pub = pub;
    this.#sub = sub;
    this.#prefix = `${options.keyPrefix ?? 'galley'}:`;
    this.#handlers = new ChannelHandlers(options.onHandlerError);
    this.#sub.on('message', (fullChannel: string, payload: string) => {
      if (!fullChannel.startsWith(this.#prefix)) return;
      this.#handlers.dispatch(fullChannel.slice(this.#prefix.length), payload);
    });
  }

  async publish(channel: string, message: unknown): Promise<void> {
    this.#assertOpen();
    assertChannelName(channel);
    await this.#pub.publish(this.#prefix + channel, encodeMessage(message));
  }

  async subscribe(channel: string, handler: PubSubHandler): Promise<() => Promise<void>> {
    this.#assertOpen();
    assertChannelName(channel);
    // A fresh function per subscription, so subscribing one handler twice needs two unsubscribes.
    const entry: PubSubHandler = (message, ch) => handler(message, ch);
    this.#handlers.add(channel, entry);
    try {
      await this.#sync(channel);
    } catch (err) {
      this.#handlers.remove(channel, entry);
      await this.#sync(channel).catch(() => {});
      throw err;
    }
    let active = true;
    return async () => {
      if (!active || this.#closing) return;
      active = false;
      this.#handlers.remove(channel, entry);
      await this.#sync(channel);
    };
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#handlers.clear();
    await this.#ops.catch(() => {});
    await Promise.all([quitOrDrop(this.#pub), quitOrDrop(this.#sub)]);
  }

  /** Brings the Redis subscription of `channel` in line with whether it has local handlers. */
  #sync(channel: string): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.#closing) return;
      const full = this.#prefix + channel;
      const wanted = this.#handlers.has(channel);
      if (wanted && !this.#subscribed.has(full)) {
        await this.#sub.subscribe(full);
        this.#subscribed.add(full);
      } else if (!wanted && this.#subscribed.has(full)) {
        this.#subscribed.delete(full);
        await this.#sub.unsubscribe(full);
      }
    };
    const next = this.#ops.then(run, run);
    this.#ops = next.catch(() => {});
    return next;
  }

  #assertOpen(): void {
    if (this.#closing) throw new Error('pubsub: closed');
  }
}

/** QUIT waits for replies in flight; when the connection is already gone, just drop it. */
async function quitOrDrop(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
