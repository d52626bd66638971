/**
 * A fair (FIFO) async mutex. Waiters are served strictly in arrival order, so a steady stream of
 * writers cannot starve one that queued earlier. The uncontended path allocates nothing but the
 * release function.
 */
export class AsyncMutex {
  #locked = false;
  // A plain array with a moving head: shift() is O(n) on long queues, this is O(1) amortised.
  #queue: Array<() => void> = [];
  #head = 0;

  get locked(): boolean {
    return this.#locked;
  }

  /** Waiters not yet holding the lock. */
  get pending(): number {
    return this.#queue.length - this.#head;
  }

  /** Resolves with a release function once the lock is held. Release is idempotent. */
  acquire(): Promise<() => void> {
    if (!this.#locked) {
      this.#locked = true;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve) => {
      this.#queue.push(() => resolve(this.#releaser()));
    });
  }

  /** Takes the lock only if it is free right now. */
  tryAcquire(): (() => void) | undefined {
    if (this.#locked) return undefined;
    this.#locked = true;
    return this.#releaser();
  }

  /** Runs `fn` holding the lock; released whether it resolves or throws. */
  async runExclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#next();
    };
  }

  #next(): void {
    if (this.#head < this.#queue.length) {
      const wake = this.#queue[this.#head]!;
      this.#queue[this.#head] = noop;
      this.#head++;
      if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      // Ownership passes directly to the next waiter: `locked` stays true, so nobody can barge in.
      wake();
    } else {
      this.#locked = false;
      if (this.#head > 0) {
        this.#queue.length = 0;
        this.#head = 0;
      }
    }
  }
}

function noop(): void {}
