/**
 * Counters in Redis, shared by every node. Each operation is one atomic Lua script, so two nodes
 * counting the same key at once never lose a hit or leave a counter without its expiry (INCR then
 * PEXPIRE as two commands could, if the node died between them).
 */
import type { Redis } from 'ioredis';
import type { CounterHit, CounterStore } from './counter-store.js';

// The first hit of a window sets its expiry; later hits only count.
const INCREMENT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}`;

// A block only ever grows: a shorter one arriving later must not cut a longer one short.
const BLOCK = `
local ttl = redis.call('PTTL', KEYS[1])
if ttl < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 1`;

export interface RedisCounterStoreOptions {
  url: string;
  /** Prefix of every key (the app's `keyPrefix`, so apps sharing a Redis do not collide). */
  keyPrefix: string;
}

export class RedisCounterStore implements CounterStore {
  readonly #redis: Redis;
  readonly #prefix: string;

  private constructor(redis: Redis, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  static async connect(options: RedisCounterStoreOptions): Promise<RedisCounterStore> {
    const { Redis } = await import('ioredis');
    const redis = new Redis(options.url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
    redis.on('error', () => {
      // Connection errors surface on the commands that fail; a limit check that cannot reach Redis
      // fails the request (500) rather than silently letting every attempt through.
    });
    await redis.connect();
    redis.defineCommand('galleyIncrement', { numberOfKeys: 1, lua: INCREMENT });
    redis.defineCommand('galleyBlock', { numberOfKeys: 1, lua: BLOCK });
    return new RedisCounterStore(redis, `${options.keyPrefix}:limits:`);
  }

  async increment(key: string, windowMs: number): Promise<CounterHit> {
    const run = (this.#redis as unknown as Scripts).galleyIncrement;
    const [count, ttl] = await run.call(this.#redis, this.#prefix + key, Math.max(1, Math.ceil(windowMs)));
    return { count: Number(count), resetMs: Number(ttl) };
  }

  async block(key: string, ms: number): Promise<void> {
    const run = (this.#redis as unknown as Scripts).galleyBlock;
    await run.call(this.#redis, this.#prefix + key, Math.max(1, Math.ceil(ms)));
  }

  async blockedFor(key: string): Promise<number> {
    const ttl = await this.#redis.pttl(this.#prefix + key);
    return ttl > 0 ? ttl : 0;
  }

  async reset(key: string): Promise<void> {
    await this.#redis.del(this.#prefix + key);
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }
}

interface Scripts {
  galleyIncrement(key: string, windowMs: number): Promise<[number, number]>;
  galleyBlock(key: string, ms: number): Promise<number>;
}
