/**
 * An AsyncLocalStorage that is enabled only while one of its `run`s is pending. On Node < 24 an
 * enabled AsyncLocalStorage keeps async_hooks on (an init hook for every promise, tick and socket
 * of every request: about a quarter of a get-by-id's CPU) until it is disabled, while only the
 * code inside a `run` reads the store. Code a `run` left going after it settled sees no store,
 * as it would see a finished scope.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export class TransientAsyncStorage<T> {
  readonly #als = new AsyncLocalStorage<T>();
  /** `run`s that have not settled yet. */
  #running = 0;

  getStore(): T | undefined {
    return this.#als.getStore();
  }

  /** Runs `fn` with `store` as the current store; the storage is disabled again once no run is pending. */
  run<R>(store: T, fn: () => Promise<R>): Promise<R> {
    this.#running++;
    let result: Promise<R>;
    try {
      result = this.#als.run(store, fn);
    } catch (err) {
      this.#settled();
      throw err;
    }
    return result.finally(() => this.#settled());
  }

  /** Runs `fn` with no store. */
  exit<R>(fn: () => R): R {
    return this.#als.exit(fn);
  }

  #settled(): void {
    this.#running--;
    if (this.#running === 0) this.#als.disable();
  }
}
