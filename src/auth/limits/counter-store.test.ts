import { redisUrl, requireService, uniqueTestName } from '../../testing/services.js';
import { counterStoreConformance } from './counter-store.conformance.js';
import { MemoryCounterStore } from './memory-counter-store.js';
import { RedisCounterStore } from './redis-counter-store.js';

counterStoreConformance({ name: 'memory', open: async () => new MemoryCounterStore() });

counterStoreConformance({
  name: 'redis',
  open: async (t) => {
    if (!(await requireService(t, 'redis'))) return undefined;
    return RedisCounterStore.connect({ url: redisUrl(), keyPrefix: uniqueTestName('limits') });
  },
});
