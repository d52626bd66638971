/**
 * Counters with expiry for brute-force protection and route rate limits. One small interface, two
 * backends: in memory for one node (`MemoryCounterStore`), Redis for several (`RedisCounterStore`,
 * atomic Lua scripts), so a limit holds whichever node a request lands on. Both pass
 * `counter-store.conformance.ts`.
 */
export interface CounterHit {
  /** The count after this hit, within the current window. */
  count: number;
  /** Milliseconds until the window (and the count) resets. */
  resetMs: number;
}

export interface CounterStore {
  /** Adds one to `key`; the first hit of a window starts it, lasting `windowMs` (fixed window). */
  increment(key: string, windowMs: number): Promise<CounterHit>;
  /** Marks `key` blocked for `ms` (never shortens an existing, longer block). */
  block(key: string, ms: number): Promise<void>;
  /** Milliseconds `key` stays blocked, 0 when it is not. */
  blockedFor(key: string): Promise<number>;
  /** Forgets `key` (its count and its block). */
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}
