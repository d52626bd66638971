/**
 * Writes logs off the hot path: entries are buffered and flushed in whole batches of `maxBuffer`
 * as soon as one is waiting, everything else `intervalMs` after it was written, and all on close. A request only pays for an
 * array push: deferred entries become rows (id, dates, data JSON) in the flush. If the database is
 * down, the batch is dropped and reported once per failure streak: logs must never take the API
 * down with them.
 */
import { AsyncResource } from 'node:async_hooks';
import { LOG_INSERT_BATCH, logRowOf } from './log-store.js';
import type { DeferredLogEntry, LogEntry, LogStore } from './log-store.js';

export interface LogWriterOptions {
  intervalMs?: number;
  maxBuffer?: number;
  /** Hard cap: beyond it new entries are dropped (a stalled database must not exhaust memory). */
  maxPending?: number;
  onError?: (err: unknown, dropped: number) => void;
}

export class LogWriter {
  readonly #store: LogStore;
  readonly #intervalMs: number;
  readonly #maxBuffer: number;
  readonly #maxPending: number;
  readonly #onError: (err: unknown, dropped: number) => void;
  // Timers started from a request would inherit its async context (and with it, on SQLite, a
  // transaction the request may hold); flushing in the writer's own scope keeps them apart.
  readonly #scope = new AsyncResource('GalleyLogWriter');
  #buffer: (LogEntry | DeferredLogEntry)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #fullQueued = false;
  #flushing: Promise<void> = Promise.resolve();
  #failing = false;
  #closed = false;

  constructor(store: LogStore, options: LogWriterOptions = {}) {
    this.#store = store;
    this.#intervalMs = options.intervalMs ?? 200;
    this.#maxBuffer = options.maxBuffer ?? LOG_INSERT_BATCH;
    this.#maxPending = options.maxPending ?? 50_000;
    this.#onError = options.onError ?? (() => {});
  }

  write(entry: LogEntry | DeferredLogEntry): void {
    if (this.#closed || this.#buffer.length >= this.#maxPending) return;
    this.#buffer.push(entry);
    if (this.#buffer.length >= this.#maxBuffer) {
      if (!this.#fullQueued) {
        this.#fullQueued = true;
        this.#scope.runInAsyncScope(() => setImmediate(() => void this.#enqueue(true)));
      }
    } else if (!this.#timer) {
      this.#startTimer();
    }
  }

  /** Writes everything buffered so far; resolves when it is stored (or dropped after an error). */
  flush(): Promise<void> {
    this.#clearTimer();
    return this.#enqueue(false);
  }

  /**
   * `fullOnly`: a busy server's flush writes whole batches (`maxBuffer` entries each, the store's
   * single-statement size) and leaves the rest to the next batch or the timer.
   */
  #enqueue(fullOnly: boolean): Promise<void> {
    const next = this.#flushing.then(() => this.#scope.runInAsyncScope(() => this.#flushNow(fullOnly)));
    this.#flushing = next;
    return next;
  }

  #startTimer(): void {
    this.#timer = this.#scope.runInAsyncScope(() => setTimeout(() => void this.flush(), this.#intervalMs));
    this.#timer.unref();
  }

  /** Flushes what is left; later writes are ignored. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  get pending(): number {
    return this.#buffer.length;
  }

  async #flushNow(fullOnly: boolean): Promise<void> {
    if (fullOnly) this.#fullQueued = false;
    const count = fullOnly ? this.#buffer.length - (this.#buffer.length % this.#maxBuffer) : this.#buffer.length;
    if (count === 0) return;
    const pending = count === this.#buffer.length ? this.#buffer : this.#buffer.slice(0, count);
    this.#buffer = count === this.#buffer.length ? [] : this.#buffer.slice(count);
    if (this.#buffer.length > 0 && !this.#timer) this.#startTimer();
    try {
      await this.#store.insertRows(pending.map((e) => ('toRow' in e ? e.toRow() : logRowOf(e))));
      this.#failing = false;
    } catch (err) {
      if (!this.#failing) this.#onError(err, pending.length);
      this.#failing = true;
    }
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
