/**
 * The transaction of the current async context, per Database instance. Calls to a Database made
 * inside `transaction(fn)`'s async context find it here and join it. A finished transaction is
 * treated as absent, so a promise left running after its transaction ended falls back to ordinary
 * calls instead of using a dead connection state.
 */
import { TransientAsyncStorage } from '../lib/transient-async-storage.js';

export class TransactionContext<T extends { readonly live: boolean }> {
  readonly #storage = new TransientAsyncStorage<T>();

  /** The live transaction of the current async context, if any. */
  active(): T | undefined {
    const tx = this.#storage.getStore();
    return tx !== undefined && tx.live ? tx : undefined;
  }

  /**
   * Runs `fn(tx)` with `tx` as the context's transaction. The storage is on only while a
   * transaction runs (see TransientAsyncStorage): code a transaction left running then sees no
   * transaction, as it would (the transaction is no longer live).
   */
  run<R>(tx: T, fn: (tx: T) => Promise<R>): Promise<R> {
    return this.#storage.run(tx, () => fn(tx));
  }

  /** Runs `fn` outside any transaction (after-commit callbacks). */
  outside<R>(fn: () => R): R {
    return this.#storage.exit(fn);
  }
}
