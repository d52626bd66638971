/**
 * Deletes logs older than `logs.maxDays` periodically (and once shortly after start). Every node of
 * a deployment may run it: the DELETE is idempotent, so no leader election is needed.
 */
import type { LogStore } from './log-store.js';

export interface LogRetentionOptions {
  /** Read on every run, so a settings change applies without a restart. 0 keeps nothing. */
  maxDays: () => number;
  intervalMs?: number;
  firstRunMs?: number;
  onError?: (err: unknown) => void;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export class LogRetention {
  readonly #store: LogStore;
  readonly #options: LogRetentionOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<number> | undefined;

  constructor(store: LogStore, options: LogRetentionOptions) {
    this.#store = store;
    this.#options = options;
  }

  start(): void {
    if (this.#timer) return;
    const interval = this.#options.intervalMs ?? 60 * 60 * 1000;
    const tick = (): void => {
      void this.runOnce().catch((err: unknown) => this.#options.onError?.(err));
      this.#timer = setTimeout(tick, interval).unref();
    };
    this.#timer = setTimeout(tick, this.#options.firstRunMs ?? 10_000).unref();
  }

  /** One pass; returns the number of deleted logs. */
  runOnce(now: Date = new Date()): Promise<number> {
    this.#running ??= this.#store
      .deleteOlderThan(new Date(now.getTime() - Math.max(0, this.#options.maxDays()) * DAY_MS))
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running?.catch(() => 0);
  }
}
