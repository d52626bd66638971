import { redisUrl, requireService } from '../testing/services.js';
import { MemoryBus } from './memory/memory-bus.js';
import { MemoryPubSub } from './memory/memory-pubsub.js';
import { pubSubConformance } from './pubsub.conformance.js';
import { RedisPubSub } from './redis/redis-pubsub.js';

pubSubConformance({
  name: 'memory',
  available: async () => true,
  transport() {
    const bus = new MemoryBus();
    return { node: async (options) => new MemoryPubSub({ bus, ...options }) };
  },
});

pubSubConformance({
  name: 'redis',
  available: (t) => requireService(t, 'redis'),
  transport() {
    return { node: (options) => RedisPubSub.connect({ url: redisUrl(), ...options }) };
  },
});
