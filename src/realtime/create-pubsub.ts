/**
 * The PubSub for a configuration: Redis when a URL is given (several nodes), memory otherwise
 * (one node). Callers never import a backend directly, so the Redis client stays unloaded in the
 * embedded shape.
 */
import type { HandlerErrorReporter } from './channel-handlers.js';
import { MemoryPubSub } from './memory/memory-pubsub.js';
import type { PubSub } from './pubsub.js';

export interface CreatePubSubOptions {
  /** `redis://...`; without it the PubSub is in-process. */
  redisUrl?: string | undefined;
  /** Namespaces every channel (`<keyPrefix>:<channel>`), so deployments can share one Redis. */
  keyPrefix: string;
  onHandlerError?: HandlerErrorReporter;
  onConnectionError?: (err: Error) => void;
}

export async function createPubSub(options: CreatePubSubOptions): Promise<PubSub> {
  if (!options.redisUrl) {
    return new MemoryPubSub({ keyPrefix: options.keyPrefix, onHandlerError: options.onHandlerError });
  }
  const { RedisPubSub } = await import('./redis/redis-pubsub.js');
  return RedisPubSub.connect({
    url: options.redisUrl,
    keyPrefix: options.keyPrefix,
    onHandlerError: options.onHandlerError,
    onConnectionError: options.onConnectionError,
  });
}
