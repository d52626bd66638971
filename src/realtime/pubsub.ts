/**
 * Fan-out between the nodes of one deployment (and, in-process, between subsystems). Memory on
 * one node; Redis with `--redis`. Messages are JSON-serialisable; delivery is at-most-once, so
 * anything that must not be lost goes through the database (jobs), not here.
 */

export type PubSubHandler = (message: unknown, channel: string) => void;

export interface PubSub {
  readonly kind: 'memory' | 'redis';
  publish(channel: string, message: unknown): Promise<void>;
  /** Returns an unsubscribe function. Handlers on the publishing node are called too. */
  subscribe(channel: string, handler: PubSubHandler): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
