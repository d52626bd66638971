/** The counter backend a node uses: Redis when it runs with `--redis` (several nodes), else memory. */
import type { CounterStore } from './counter-store.js';
import { MemoryCounterStore } from './memory-counter-store.js';

export async function createCounterStore(options: { redisUrl?: string | undefined; keyPrefix: string }): Promise<CounterStore> {
  if (!options.redisUrl) return new MemoryCounterStore();
  const { RedisCounterStore } = await import('./redis-counter-store.js');
  return RedisCounterStore.connect({ url: options.redisUrl, keyPrefix: options.keyPrefix });
}
