/**
 * The transaction of the current async context, per Database instance. Calls to a Database made
 * inside `transaction(fn)`'s async context find it here and join it. A finished transaction is
 * treated as absent, so a promise left running after its transaction ended falls back to ordinary
 * calls instead of using a dead connection state.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export class TransactionContext<T extends { readonly live: boolean }> {
  readonly #als = new AsyncLocalStorage<T>();
  /** Transactions whose `run` has not settled yet. */
  #running = 0;

  /** The live transaction of the current async context, if any. */
  active(): T | undefined {
    const tx = this.#als.getStore();
    return tx !== undefined && tx.live ? tx : undefined;
  }

  /**
   * Runs `fn(tx)` with `tx` as the context's transaction. When the last running transaction
   * settles, the storage is disabled until the next `run`: on Node < 24 an enabled
   * AsyncLocalStorage keeps async_hooks on, which taxes every promise of every request (~25 % of
   * a get-by-id's CPU), while only transactions need it. Code a transaction left running then
   * sees no transaction, as it would (the transaction is no longer live).
   */
  run<R>(tx: T, fn: (tx: T) => Promise<R>): Promise<R> {
    this.#running++;
    let result: Promise<R>;
    try {
      result = this.#als.run(tx, fn, tx);
    } catch (err) {
      this.#settled();
      throw err;
    }
    return result.finally(() => this.#settled());
  }

  #settled(): void {
    this.#running--;
    if (this.#running === 0) this.#als.disable();
  }

  /** Runs `fn` outside any transaction (after-commit callbacks). */
  outside<R>(fn: () => R): R {
    return this.#als.exit(fn);
  }
}
