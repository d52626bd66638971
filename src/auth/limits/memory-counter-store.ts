/**
 * Counters in this process's memory: right for one node. Entries expire lazily when read and are
 * swept every minute (the timer does not keep the process alive), so a flood of distinct keys
 * (one per attacking IP) cannot grow the map for ever.
 */
import type { CounterHit, CounterStore } from './counter-store.js';

interface Entry {
  value: number;
  expiresAt: number;
}

export class MemoryCounterStore implements CounterStore {
  readonly #entries = new Map<string, Entry>();
  readonly #timer: NodeJS.Timeout;

  constructor(sweepEveryMs = 60_000) {
    this.#timer = setInterval(() => this.#sweep(), sweepEveryMs);
    this.#timer.unref();
  }

  async increment(key: string, windowMs: number): Promise<CounterHit> {
    const now = Date.now();
    let entry = this.#live(key, now);
    if (!entry) {
      entry = { value: 0, expiresAt: now + windowMs };
      this.#entries.set(key, entry);
    }
    entry.value++;
    return { count: entry.value, resetMs: entry.expiresAt - now };
  }

  async block(key: string, ms: number): Promise<void> {
    const now = Date.now();
    const current = this.#live(key, now);
    if (current && current.expiresAt >= now + ms) return;
    this.#entries.set(key, { value: 1, expiresAt: now + ms });
  }

  async blockedFor(key: string): Promise<number> {
    const now = Date.now();
    const entry = this.#live(key, now);
    return entry ? entry.expiresAt - now : 0;
  }

  async reset(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#entries.clear();
  }

  #live(key: string, now: number): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }
}
