/**
 * Cross-node cache invalidation. Every node caches the collections and the settings in memory;
 * when one node changes them it publishes `{kind, node}` on the `invalidate` channel (namespaced by
 * the PubSub with the deployment's key prefix), and every other node re-reads that part from the
 * database. Delivery is at-most-once, which is enough for a cache the database can always rebuild.
 */
import type { PubSub } from '../realtime/pubsub.js';

export type InvalidationKind = 'collections' | 'settings';

export interface InvalidationMessage {
  kind: InvalidationKind;
  node: string;
}

export const INVALIDATE_CHANNEL = 'invalidate';

export type Reloaders = Record<InvalidationKind, () => Promise<void>>;

export class Invalidation {
  readonly #pubsub: PubSub;
  readonly #nodeId: string;
  readonly #reload: Reloaders;
  readonly #onError: (err: unknown) => void;
  // While a remote change is being applied, the local change events it causes must not be
  // broadcast back, or two nodes would bounce the same invalidation forever.
  readonly #applying = new Map<InvalidationKind, number>();
  #unsubscribe: (() => Promise<void>) | undefined;
  readonly #pending = new Set<Promise<void>>();
  #settled: Promise<void> | undefined;

  constructor(options: { pubsub: PubSub; nodeId: string; reload: Reloaders; onError?: (err: unknown) => void }) {
    this.#pubsub = options.pubsub;
    this.#nodeId = options.nodeId;
    this.#reload = options.reload;
    this.#onError = options.onError ?? (() => {});
  }

  async start(): Promise<void> {
    this.#unsubscribe ??= await this.#pubsub.subscribe(INVALIDATE_CHANNEL, (message) => {
      if (!isInvalidation(message) || message.node === this.#nodeId) return;
      const reload = this.#apply(message.kind);
      this.#pending.add(reload);
      this.#settled = undefined;
      void reload.finally(() => {
        this.#pending.delete(reload);
        this.#settled = undefined;
      });
    });
  }

  /**
   * Resolves when every reload started by a received message has finished; undefined when none is
   * running, so the request path pays nothing in the usual case. Reload errors are reported through
   * `onError` and never reject this promise.
   */
  settled(): Promise<void> | undefined {
    if (this.#pending.size === 0) return undefined;
    this.#settled ??= Promise.all(this.#pending).then(() => undefined);
    return this.#settled;
  }

  /** Tells the other nodes that `kind` changed here. */
  async publish(kind: InvalidationKind): Promise<void> {
    if ((this.#applying.get(kind) ?? 0) > 0) return;
    const message: InvalidationMessage = { kind, node: this.#nodeId };
    try {
      await this.#pubsub.publish(INVALIDATE_CHANNEL, message);
    } catch (err) {
      this.#onError(err);
    }
  }

  async stop(): Promise<void> {
    const unsubscribe = this.#unsubscribe;
    this.#unsubscribe = undefined;
    await unsubscribe?.();
  }

  async #apply(kind: InvalidationKind): Promise<void> {
    this.#applying.set(kind, (this.#applying.get(kind) ?? 0) + 1);
    try {
      await this.#reload[kind]();
    } catch (err) {
      this.#onError(err);
    } finally {
      this.#applying.set(kind, (this.#applying.get(kind) ?? 1) - 1);
    }
  }
}

function isInvalidation(message: unknown): message is InvalidationMessage {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as Record<string, unknown>;
  return (m.kind === 'collections' || m.kind === 'settings') && typeof m.node === 'string';
}
