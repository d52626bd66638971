/**
 * Cron schedules that enqueue jobs (docs/jobs.md). Expressions are parsed by `croner` (5 fields, or
 * 6 with seconds first). Every node arms a timer per schedule; at a tick, each node tries to advance
 * the schedule's `lastTick` row in `_jobs_cron` with a guarded UPDATE and only the node that moves
 * it enqueues the job (dedup key `cron:<name>:<tick ISO>` as a second guard), in one transaction.
 * So a tick fires once across nodes, and a tick missed while every node was down is not replayed:
 * timers are always armed from the current time.
 *
 * Schedules come from code (`add`) and from settings (`jobs.cron`): the settings list is compared
 * by identity once a second (settings objects are replaced, never mutated, on a change or a reload
 * after another node's change) and its schedules are registered as `settings:<name>`.
 */
import type { Cron } from 'croner';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { parseCronExpression } from '../lib/cron-expression.js';
import type { JobQueue } from './job-queue.js';

export interface CronAddOptions {
  /** IANA time zone of the expression. Default UTC. */
  timezone?: string;
}

export interface CronScheduleInfo {
  name: string;
  expression: string;
  kind: string;
  payload: unknown;
  timezone: string;
  /** Next tick (ISO), or null when the expression has no future run. */
  next: string | null;
}

interface Schedule {
  name: string;
  expression: string;
  kind: string;
  payload: unknown;
  timezone: string;
  cron: Cron;
  timer: NodeJS.Timeout | undefined;
}

/** A schedule defined in settings (`jobs.cron`). */
export interface CronEntry {
  name: string;
  expression: string;
  kind: string;
  payload?: unknown;
}

// setTimeout's largest delay; a farther tick is reached in several hops.
const MAX_DELAY_MS = 2_147_483_647;
const SETTINGS_PREFIX = 'settings:';

export class CronScheduler {
  readonly #db: Database;
  readonly #jobs: JobQueue;
  readonly #logger: Logger;
  readonly #schedules = new Map<string, Schedule>();
  readonly #settings: (() => readonly CronEntry[]) | undefined;
  #applied: readonly CronEntry[] | undefined;
  #syncTimer: NodeJS.Timeout | undefined;
  #started = false;

  constructor(options: { db: Database; jobs: JobQueue; logger: Logger; settings?: () => readonly CronEntry[] }) {
    this.#db = options.db;
    this.#jobs = options.jobs;
    this.#logger = options.logger;
    this.#settings = options.settings;
  }

  /**
   * Adds (or replaces) schedule `name`: at every tick of `expression`, one job of `kind` with
   * `payload`. Throws on an invalid expression or time zone.
   */
  add(name: string, expression: string, kind: string, payload: unknown = null, options: CronAddOptions = {}): void {
    if (typeof name !== 'string' || !/^[\w.:-]{1,120}$/.test(name)) throw new TypeError(`cron name "${String(name)}" must match [A-Za-z0-9_.:-]{1,120}`);
    if (typeof kind !== 'string' || kind.trim() === '') throw new TypeError(`cron "${name}": job kind must be a non-empty string`);
    const timezone = options.timezone ?? 'UTC';
    let cron: Cron;
    try {
      cron = parseCronExpression(expression, timezone);
    } catch (err) {
      throw new TypeError(`cron "${name}": invalid expression "${expression}": ${err instanceof Error ? err.message : String(err)}`);
    }
    JSON.stringify(payload);
    this.remove(name);
    const schedule: Schedule = { name, expression, kind, payload, timezone, cron, timer: undefined };
    this.#schedules.set(name, schedule);
    if (this.#started) this.#arm(schedule);
  }

  remove(name: string): boolean {
    const s = this.#schedules.get(name);
    if (!s) return false;
    if (s.timer) clearTimeout(s.timer);
    s.cron.stop();
    this.#schedules.delete(name);
    return true;
  }

  list(): CronScheduleInfo[] {
    return [...this.#schedules.values()].map((s) => ({
      name: s.name,
      expression: s.expression,
      kind: s.kind,
      payload: s.payload,
      timezone: s.timezone,
      next: s.cron.nextRun(new Date())?.toISOString() ?? null,
    }));
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const s of this.#schedules.values()) this.#arm(s);
    if (this.#settings) {
      this.#syncSettings();
      this.#syncTimer = setInterval(() => this.#syncSettings(), 1000);
      this.#syncTimer.unref();
    }
  }

  stop(): void {
    this.#started = false;
    if (this.#syncTimer) clearInterval(this.#syncTimer);
    this.#syncTimer = undefined;
    for (const s of this.#schedules.values()) {
      if (s.timer) clearTimeout(s.timer);
      s.timer = undefined;
    }
  }

  /**
   * Fires `name`'s tick `tick` unless a node already did; true when this call enqueued the job.
   * Timers call it; tests call it directly to race two nodes on one tick.
   */
  async fire(name: string, tick: Date): Promise<boolean> {
    const s = this.#schedules.get(name);
    if (!s) return false;
    const iso = tick.toISOString();
    return this.#db.transaction(async (tx) => {
      const conflict = 'ON CONFLICT ("name") DO NOTHING';
      await tx.run(`INSERT INTO "_jobs_cron" ("name", "lastTick") VALUES (?, '') ${conflict}`, [name]);
      // On PostgreSQL a second node blocks on the row lock, then re-checks the WHERE and finds the tick taken.
      const moved = await tx.run(`UPDATE "_jobs_cron" SET "lastTick" = ? WHERE "name" = ? AND "lastTick" < ?`, [iso, name, iso]);
      if (moved.changes !== 1) return false;
      await this.#jobs.enqueue(s.kind, s.payload, { dedupKey: `cron:${name}:${iso}` });
      return true;
    });
  }

  /** Registers the settings' schedules when the settings object changed since the last look. */
  #syncSettings(): void {
    const list = this.#settings?.();
    if (!list || list === this.#applied) return;
    this.#applied = list;
    const wanted = new Set(list.map((e) => SETTINGS_PREFIX + e.name));
    for (const name of [...this.#schedules.keys()]) {
      if (name.startsWith(SETTINGS_PREFIX) && !wanted.has(name)) this.remove(name);
    }
    for (const entry of list) {
      const name = SETTINGS_PREFIX + entry.name;
      const current = this.#schedules.get(name);
      if (current && current.expression === entry.expression && current.kind === entry.kind && JSON.stringify(current.payload) === JSON.stringify(entry.payload ?? null)) continue;
      try {
        this.add(name, entry.expression, entry.kind, entry.payload ?? null);
      } catch (err) {
        this.#logger.error({ err, cron: name }, 'cron: invalid schedule in settings');
      }
    }
  }

  #arm(s: Schedule, from: Date = new Date()): void {
    if (s.timer) clearTimeout(s.timer);
    const next = s.cron.nextRun(from);
    if (!next) return;
    const delay = next.getTime() - Date.now();
    s.timer = setTimeout(() => {
      if (this.#schedules.get(s.name) !== s || !this.#started) return;
      if (Date.now() < next.getTime()) {
        this.#arm(s, from); // a long wait in hops, or a timer that fired early
        return;
      }
      this.fire(s.name, next)
        .catch((err: unknown) => this.#logger.error({ err, cron: s.name }, 'cron: could not fire a tick'))
        .finally(() => {
          // From now, not from the tick: ticks missed while the process was stalled are skipped.
          if (this.#schedules.get(s.name) === s && this.#started) this.#arm(s, new Date(Math.max(Date.now(), next.getTime())));
        });
    }, Math.min(Math.max(0, delay), MAX_DELAY_MS));
    s.timer.unref();
  }
}
