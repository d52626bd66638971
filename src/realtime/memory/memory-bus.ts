/**
 * The in-process transport behind `MemoryPubSub`. One bus is one "deployment": every MemoryPubSub
 * on the same bus sees the others' messages, which lets tests run several nodes in one process
 * through the same code paths as Redis. A MemoryPubSub made without a bus gets its own.
 */

/** What a node registers on the bus: called once per message with the raw JSON text. */
export type BusListener = (channel: string, payload: string) => void;

export class MemoryBus {
  readonly #listeners = new Set<BusListener>();

  attach(listener: BusListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Delivery is deferred to a microtask so a handler never runs inside `publish()` (Redis cannot
   * do that either, and a handler that publishes must not recurse). Microtasks run in FIFO order,
   * which keeps one publisher's messages in order.
   */
  send(channel: string, payload: string): void {
    const targets = [...this.#listeners];
    queueMicrotask(() => {
      for (const listener of targets) listener(channel, payload);
    });
  }
}
