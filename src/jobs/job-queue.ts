/**
 * The durable job queue (docs/jobs.md): jobs live in the primary database, so an enqueue made in a
 * transaction exists exactly when it commits, and every node of a deployment shares one queue.
 *
 * Each node runs one worker loop. It claims due jobs per queue up to the queue's concurrency under
 * a lease (renewed by a heartbeat while the job runs); a node that dies stops renewing, and any
 * node turns the expired job back into a due one. Delivery is therefore at-least-once: handlers get
 * the attempt number and `once()` for steps that must not repeat.
 *
 * Idle cost: the loop reads (`MIN(runAt)` per queue, on SQLite's read connection) and writes only
 * when something is due; it wakes at once on a local enqueue (after commit) and on other nodes'
 * enqueues through the PubSub, and otherwise sleeps until the next known run time or an idle
 * interval that doubles up to `pollIntervalMs` (the safety net for lost PubSub messages).
 */
import { AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { apiError } from '../core/errors.js';
import type { Database } from '../db/database.js';
import type { PubSub } from '../realtime/pubsub.js';
import { retryDelayMs } from './backoff.js';
import { compileJobFilter, compileJobSort } from './job-collection.js';
import { JobStore, jobTime } from './job-store.js';
import type { ClaimedJob, Fence, ProgressValue } from './job-store.js';
import { JOB_STATES } from './job-types.js';
import type {
  BackoffOptions,
  EnqueueOptions,
  EnqueueResult,
  JobContext,
  JobDefinitionOptions,
  JobHandler,
  JobList,
  JobListOptions,
  JobRow,
} from './job-types.js';

export interface JobQueueOptions {
  db: Database;
  /** Wakes the other nodes' workers on enqueue. Without it they find new jobs by polling. */
  pubsub?: PubSub;
  nodeId: string;
  logger: Logger;
  /** How long a claimed job stays owned without a renewal. Default 30 s. */
  leaseMs?: number;
  /** Longest sleep of an idle worker between two looks at the queue. Default 2 s. */
  pollIntervalMs?: number;
  /** Concurrency of a queue none of whose kinds set one. Default 2. */
  defaultConcurrency?: number;
  /** Default 5. */
  defaultMaxAttempts?: number;
  /** Default 5 min. */
  defaultTimeoutMs?: number;
  /** Default `{baseMs: 1000, maxMs: 3_600_000}`. */
  backoff?: BackoffOptions;
  /** How long `stop()` waits for running jobs before releasing them to other nodes. Default 10 s. */
  stopTimeoutMs?: number;
  /** Shortest time between two progress writes of one job. Default 500 ms. */
  progressIntervalMs?: number;
  /**
   * `completed` and `cancelled` jobs older than this are deleted by running workers (checked
   * hourly, or every `keepFinishedMs` when shorter; any node may do it, the DELETE is idempotent).
   * Default 7 days; 0 keeps them.
   */
  keepFinishedMs?: number;
}

export const JOBS_CHANNEL = 'jobs';
export const DEFAULT_QUEUE = 'default';

interface Definition {
  handler: JobHandler<never>;
  options: JobDefinitionOptions;
}

interface QueueState {
  concurrency: number;
  explicit: boolean;
  running: number;
  /** The last claim filled every free slot: more is probably due, so claim without looking first. */
  backlog: boolean;
}

interface RunningJob {
  fence: Fence;
  controller: AbortController;
  done: Promise<void>;
}

/** Why a running handler was aborted; only `timeout` counts as a failed attempt of the handler. */
class JobAbort extends Error {
  constructor(readonly reason: 'timeout' | 'lost' | 'stopping', message: string) {
    super(message);
    this.name = 'JobAbort';
  }
}

const MIN_IDLE_MS = 25;
const PURGE_EVERY_MS = 60 * 60 * 1000;

export class JobQueue {
  readonly store: JobStore;
  readonly #db: Database;
  readonly #pubsub: PubSub | undefined;
  readonly #nodeId: string;
  readonly #owner: string;
  readonly #logger: Logger;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #defaultConcurrency: number;
  readonly #defaultMaxAttempts: number;
  readonly #defaultTimeoutMs: number;
  readonly #backoff: BackoffOptions;
  readonly #stopTimeoutMs: number;
  readonly #progressIntervalMs: number;
  readonly #keepFinishedMs: number;
  #lastPurge = 0;

  readonly #definitions = new Map<string, Definition>();
  readonly #queues = new Map<string, QueueState>();
  readonly #running = new Map<string, RunningJob>();

  #started = false;
  #stopping = false;
  #stopped: Promise<void> | undefined;
  #pumping: Promise<void> | undefined;
  #again = false;
  #idleMs = MIN_IDLE_MS;
  #timer: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #unsubscribe: (() => Promise<void>) | undefined;
  #publishPending = false;
  // The async context the queue was created in (outside any transaction). The worker loop always
  // runs in it: a wake-up from inside a caller's transaction must not make the claim (and the
  // handlers) join that transaction through the database's async-local context.
  readonly #root = new AsyncResource('galley.jobs');

  constructor(options: JobQueueOptions) {
    this.#db = options.db;
    this.store = new JobStore(options.db);
    this.#pubsub = options.pubsub;
    this.#nodeId = options.nodeId;
    // One owner per queue instance: two queues in one process (tests) must not renew each other's jobs.
    this.#owner = `${options.nodeId}:${randomUUID().slice(0, 8)}`;
    this.#logger = options.logger;
    this.#leaseMs = positive(options.leaseMs, 30_000);
    this.#pollMs = positive(options.pollIntervalMs, 2_000);
    this.#defaultConcurrency = positive(options.defaultConcurrency, 2);
    this.#defaultMaxAttempts = positive(options.defaultMaxAttempts, 5);
    this.#defaultTimeoutMs = positive(options.defaultTimeoutMs, 5 * 60_000);
    this.#backoff = options.backoff ?? { baseMs: 1000, maxMs: 3_600_000 };
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    this.#progressIntervalMs = options.progressIntervalMs ?? 500;
    this.#keepFinishedMs = options.keepFinishedMs ?? 7 * 24 * 60 * 60 * 1000;
    this.#queue(DEFAULT_QUEUE);
  }

  /** Registers the handler of a kind. Jobs of a kind no node defines go dead when claimed. */
  define<P>(kind: string, handler: JobHandler<P>, options: JobDefinitionOptions = {}): void {
    if (typeof kind !== 'string' || kind.trim() === '') throw new TypeError('job kind must be a non-empty string');
    if (this.#definitions.has(kind)) throw new Error(`job kind "${kind}" is already defined`);
    if (options.concurrency !== undefined && !(Number.isInteger(options.concurrency) && options.concurrency > 0)) {
      throw new TypeError(`job kind "${kind}": concurrency must be a positive integer`);
    }
    this.#definitions.set(kind, { handler: handler as JobHandler<never>, options: { ...options } });
    const queue = this.#queue(options.queue ?? DEFAULT_QUEUE);
    if (options.concurrency !== undefined) {
      queue.concurrency = queue.explicit ? Math.max(queue.concurrency, options.concurrency) : options.concurrency;
      queue.explicit = true;
    }
    if (this.#started) this.wake();
  }

  /** Whether a handler for `kind` is defined on this node. */
  defined(kind: string): boolean {
    return this.#definitions.has(kind);
  }

  /**
   * Adds a job. Inside `db.transaction(...)` it joins that transaction: the job exists exactly when
   * the transaction commits, and workers are woken only after the commit.
   */
  async enqueue<P>(kind: string, payload: P, options: EnqueueOptions = {}): Promise<EnqueueResult> {
    if (typeof kind !== 'string' || kind.trim() === '') throw apiError('bad_request', 'The job kind must be a non-empty string.');
    let json: string | undefined;
    try {
      json = JSON.stringify(payload);
    } catch {
      throw apiError('bad_request', `The payload of job "${kind}" is not JSON-serialisable.`);
    }
    const def = this.#definitions.get(kind)?.options;
    const priority = options.priority ?? 0;
    const maxAttempts = options.maxAttempts ?? def?.maxAttempts ?? this.#defaultMaxAttempts;
    const timeoutMs = options.timeoutMs ?? def?.timeoutMs ?? this.#defaultTimeoutMs;
    if (!Number.isSafeInteger(priority)) throw apiError('bad_request', 'The job priority must be an integer.');
    if (!(Number.isInteger(maxAttempts) && maxAttempts >= 1)) throw apiError('bad_request', 'maxAttempts must be an integer >= 1.');
    if (!(Number.isInteger(timeoutMs) && timeoutMs >= 1)) throw apiError('bad_request', 'timeoutMs must be a positive integer.');
    if (options.delayMs !== undefined && !(Number.isFinite(options.delayMs) && options.delayMs >= 0)) {
      throw apiError('bad_request', 'delayMs must be a number >= 0.');
    }
    if (options.runAt !== undefined && !(options.runAt instanceof Date && Number.isFinite(options.runAt.getTime()))) {
      throw apiError('bad_request', 'runAt must be a valid Date.');
    }
    const queue = options.queue ?? def?.queue ?? DEFAULT_QUEUE;
    const now = Date.now();
    const runAt = options.runAt?.getTime() ?? now + Math.round(options.delayMs ?? 0);
    const result = await this.store.insert(
      { kind, queue, payload: json ?? 'null', priority, runAt, maxAttempts, timeoutMs, dedupKey: options.dedupKey ?? null },
      now,
    );
    if (!result.deduplicated) this.#announceAfterCommit();
    return result;
  }

  // ---- management (plain JSON rows) ------------------------------------------------------------

  async list(options: JobListOptions = {}): Promise<JobList> {
    const page = Math.max(1, Math.trunc(options.page ?? 1));
    const perPage = Math.min(1000, Math.max(1, Math.trunc(options.perPage ?? 30)));
    const dialect = this.#db.dialect;
    const parts: string[] = [];
    const params: Array<string | number> = [];
    const compiled = compileJobFilter(options.filter ?? '', dialect);
    if (compiled) {
      parts.push(`(${compiled.sql})`);
      params.push(...(compiled.params as Array<string | number>));
    }
    if (options.state !== undefined) {
      if (!JOB_STATES.includes(options.state)) throw apiError('invalid_query_param', `Unknown job state "${String(options.state)}".`);
      parts.push(`"state" = ?`);
      params.push(options.state);
    }
    if (options.kind !== undefined) {
      parts.push(`"kind" = ?`);
      params.push(options.kind);
    }
    if (options.queue !== undefined) {
      parts.push(`"queue" = ?`);
      params.push(options.queue);
    }
    const sort = compileJobSort(options.sort ?? '', dialect);
    const orderBy = sort ? `${sort}, "id"` : `"created" DESC, "id" DESC`;
    const where = parts.length > 0 ? { sql: parts.join(' AND '), params } : undefined;
    const { items, total } = await this.store.list(where, orderBy, perPage, (page - 1) * perPage);
    return { page, perPage, totalItems: total, totalPages: Math.ceil(total / perPage), items };
  }

  /** The job, or null when no job has this id. */
  async get(id: string): Promise<JobRow | null> {
    return (await this.store.get(id)) ?? null;
  }

  /** A failed, dead or cancelled job back to `queued` with its attempts reset; due now. */
  async retry(id: string): Promise<JobRow> {
    const job = await this.#mustGet(id);
    let retried: JobRow | undefined;
    try {
      retried = await this.store.retry(id, Date.now());
    } catch (err) {
      if (isUniqueViolation(err)) throw apiError('conflict', 'Another unfinished job holds the same dedup key.');
      throw err;
    }
    if (!retried) throw apiError('conflict', `Only failed, dead or cancelled jobs can be retried (this one is ${job.state}).`);
    this.#announceAfterCommit();
    return retried;
  }

  /** Cancels a queued, retry-pending or running job (a running handler is aborted at its node's next heartbeat). */
  async cancel(id: string): Promise<JobRow> {
    const job = await this.#mustGet(id);
    const cancelled = await this.store.cancel(id, Date.now());
    if (!cancelled) throw apiError('conflict', `Only queued, failed or running jobs can be cancelled (this one is ${job.state}).`);
    return cancelled;
  }

  /** Deletes every dead job. */
  async purgeDead(): Promise<{ deleted: number }> {
    return { deleted: await this.store.purgeDead() };
  }

  async #mustGet(id: string): Promise<JobRow> {
    const job = await this.store.get(id);
    if (!job) throw apiError('not_found', 'The job does not exist.');
    return job;
  }

  // ---- the worker ------------------------------------------------------------------------------

  /** Starts this node's worker (idempotent). */
  async start(): Promise<void> {
    if (this.#started || this.#stopping) return;
    this.#started = true;
    if (this.#pubsub) {
      this.#unsubscribe = await this.#pubsub.subscribe(JOBS_CHANNEL, (message) => {
        if ((message as { node?: unknown } | null)?.node !== this.#owner) this.wake();
      });
    }
    const beat = Math.max(10, Math.floor(this.#leaseMs / 3));
    this.#heartbeat = setInterval(() => void this.#beat(), beat);
    this.#heartbeat.unref();
    this.wake();
  }

  /** Whether this node's worker is running (started and not stopping). */
  get started(): boolean {
    return this.#started && !this.#stopping;
  }

  /** Jobs running on this node now. */
  get running(): number {
    return this.#running.size;
  }

  /** Looks at the queue now instead of at the next planned time. */
  wake(): void {
    if (!this.#started || this.#stopping) return;
    this.#idleMs = MIN_IDLE_MS;
    this.#root.runInAsyncScope(() => void this.#pump());
  }

  /**
   * Graceful stop: claims nothing more, waits up to `stopTimeoutMs` for running jobs, then aborts
   * the rest and hands them back (due now, the interrupted attempt not counted) for another node.
   */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#unsubscribe?.().catch(() => {});
    await this.#pumping;
    const all = (): Promise<unknown> => Promise.allSettled([...this.#running.values()].map((r) => r.done));
    if (this.#running.size > 0) {
      let guard: NodeJS.Timeout | undefined;
      await Promise.race([all(), new Promise((resolve) => (guard = setTimeout(resolve, this.#stopTimeoutMs)))]);
      clearTimeout(guard);
      for (const r of this.#running.values()) r.controller.abort(new JobAbort('stopping', 'the node is stopping'));
      await all();
    }
    if (this.#heartbeat) clearInterval(this.#heartbeat);
  }

  #queue(name: string): QueueState {
    let q = this.#queues.get(name);
    if (!q) {
      q = { concurrency: this.#defaultConcurrency, explicit: false, running: 0, backlog: false };
      this.#queues.set(name, q);
    }
    return q;
  }

  /** `#announce` once the caller's transaction (if any) commits; nothing after a rollback. */
  #announceAfterCommit(): void {
    const tx = this.#db.currentTransaction();
    if (tx) tx.afterCommit(() => this.#announce());
    else this.#announce();
  }

  /** Wakes local and remote workers; several enqueues in one tick send one message. */
  #announce(): void {
    this.wake();
    if (!this.#pubsub || this.#publishPending) return;
    this.#publishPending = true;
    setImmediate(() => {
      this.#publishPending = false;
      this.#pubsub?.publish(JOBS_CHANNEL, { node: this.#owner }).catch((err: unknown) => this.#logger.warn({ err }, 'jobs: wake-up message not sent'));
    });
  }

  #pump(): Promise<void> {
    if (this.#pumping) {
      this.#again = true;
      return this.#pumping;
    }
    this.#pumping = this.#pumpLoop().finally(() => {
      this.#pumping = undefined;
    });
    return this.#pumping;
  }

  async #pumpLoop(): Promise<void> {
    try {
      do {
        this.#again = false;
        if (this.#timer) clearTimeout(this.#timer);
        const now = Date.now();
        let next = now + this.#idleMs;
        let claimed = 0;
        for (const [name, q] of this.#queues) {
          if (this.#stopping) return;
          const free = q.concurrency - q.running;
          if (free <= 0) continue; // a finishing job wakes the loop
          if (!q.backlog) {
            const due = await this.store.nextDue(name);
            if (due === undefined) continue;
            const dueMs = Date.parse(due.replace(' ', 'T'));
            if (dueMs > now) {
              next = Math.min(next, dueMs);
              continue;
            }
          }
          const jobs = await this.store.claim(name, free, this.#owner, Date.now(), this.#leaseMs);
          claimed += jobs.length;
          q.backlog = jobs.length === free;
          if (this.#stopping) {
            // stop() began while the claim ran: hand the jobs straight back instead of starting them.
            for (const job of jobs) await this.store.release({ id: job.id, owner: this.#owner, attempts: job.attempts }, Date.now());
            return;
          }
          for (const job of jobs) this.#run(job, q);
        }
        this.#idleMs = claimed > 0 ? MIN_IDLE_MS : Math.min(this.#idleMs * 2, this.#pollMs);
        if (!this.#stopping) this.#plan(next);
      } while (this.#again && !this.#stopping);
    } catch (err) {
      this.#logger.error({ err }, 'jobs: the worker could not read or claim jobs');
      if (!this.#stopping) this.#plan(Date.now() + this.#pollMs);
    }
  }

  #plan(at: number): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#pump(), Math.max(0, at - Date.now()));
    this.#timer.unref();
  }

  /** Renews the leases of running jobs, aborts the ones lost (cancelled, re-claimed), and recovers expired ones. */
  async #beat(): Promise<void> {
    try {
      const now = Date.now();
      if (this.#running.size > 0) {
        // Only the jobs asked about: one claimed while the UPDATE ran is not in its answer, yet held.
        const asked = [...this.#running.entries()];
        const held = await this.store.renew(this.#owner, asked.map(([id]) => id), now, this.#leaseMs);
        for (const [id, r] of asked) {
          if (!held.has(id)) r.controller.abort(new JobAbort('lost', 'the job was cancelled or its lease was lost'));
        }
      }
      if (!this.#stopping && this.#keepFinishedMs > 0 && now - this.#lastPurge >= Math.min(PURGE_EVERY_MS, this.#keepFinishedMs)) {
        this.#lastPurge = now;
        const deleted = await this.store.purgeFinished(now - this.#keepFinishedMs);
        if (deleted > 0) this.#logger.info({ deleted }, 'jobs: deleted old finished jobs');
      }
      if (!this.#stopping && (await this.store.hasExpiredLeases(now))) {
        const recovered = await this.store.recoverExpired(now);
        if (recovered > 0) {
          this.#logger.warn({ recovered }, 'jobs: took back jobs whose lease expired');
          this.#announce();
        }
      }
    } catch (err) {
      this.#logger.error({ err }, 'jobs: lease renewal failed');
    }
  }

  #run(job: ClaimedJob, q: QueueState): void {
    q.running++;
    const controller = new AbortController();
    const fence: Fence = { id: job.id, owner: this.#owner, attempts: job.attempts };
    const entry: RunningJob = { fence, controller, done: Promise.resolve() };
    this.#running.set(job.id, entry);
    entry.done = this.#execute(job, fence, controller)
      .catch((err: unknown) => this.#logger.error({ err, job: job.id }, 'jobs: could not record the outcome of a job'))
      .finally(() => {
        q.running--;
        this.#running.delete(job.id);
        this.wake();
      });
  }

  async #execute(job: ClaimedJob, fence: Fence, controller: AbortController): Promise<void> {
    const def = this.#definitions.get(job.kind);
    if (!def) {
      await this.store.fail(fence, `unknown job kind "${job.kind}": no handler is defined for it`, undefined, Date.now());
      this.#logger.warn({ job: job.id, kind: job.kind }, 'jobs: unknown kind, job is dead');
      return;
    }
    const logger = this.#logger.child({ job: job.id, kind: job.kind, attempt: job.attempts });
    const timer = setTimeout(
      () => controller.abort(new JobAbort('timeout', `timed out after ${job.timeoutMs} ms`)),
      Math.min(job.timeoutMs, 2_147_483_647),
    );
    const aborted = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true });
    });
    aborted.catch(() => {});
    let latest: ProgressValue | undefined;
    let lastWrite = 0;
    const ctx: JobContext<never> = {
      id: job.id,
      kind: job.kind,
      payload: job.payload as never,
      attempt: job.attempts,
      signal: controller.signal,
      logger,
      progress: async (done, total, message = '') => {
        latest = { done, total: total ?? null, message };
        const now = Date.now();
        if (now - lastWrite < this.#progressIntervalMs && (total === undefined || done < total)) return;
        lastWrite = now;
        await this.store.progress(fence, latest, now);
      },
      once: async <T>(key: string, fn: () => Promise<T>): Promise<T> => {
        if (Object.hasOwn(job.onceResults, key)) return job.onceResults[key] as T;
        const value = await fn();
        // Every attempt sees the same value: the JSON form that later attempts read back.
        job.onceResults[key] = value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);
        await this.store.saveOnce(fence, job.onceResults);
        return job.onceResults[key] as T;
      },
    };
    try {
      const result = await Promise.race([Promise.resolve().then(() => def.handler(ctx)), aborted]);
      if (controller.signal.aborted) throw controller.signal.reason;
      if (!(await this.store.complete(fence, serialise(result, logger), latest, Date.now()))) {
        logger.warn('jobs: job finished after it was cancelled or taken over by another node; result dropped');
      }
    } catch (err) {
      if (err instanceof JobAbort && err.reason === 'lost') {
        logger.warn('jobs: handler aborted: the job was cancelled or another node took it over');
        return;
      }
      if (err instanceof JobAbort && err.reason === 'stopping') {
        await this.store.release(fence, Date.now());
        return;
      }
      const message = errorMessage(err);
      const retryAt = job.attempts < job.maxAttempts
        ? Date.now() + retryDelayMs(job.attempts, def.options.backoff ?? this.#backoff)
        : undefined;
      logger.warn({ err, retryAt: retryAt === undefined ? null : jobTime(retryAt) }, retryAt === undefined ? 'jobs: job failed, no attempts left (dead)' : 'jobs: job failed, will retry');
      await this.store.fail(fence, message, retryAt, Date.now());
    } finally {
      clearTimeout(timer);
    }
  }
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

function serialise(result: unknown, logger: Logger): string {
  try {
    return JSON.stringify(result) ?? 'null';
  } catch (err) {
    logger.warn({ err }, 'jobs: the handler result is not JSON-serialisable; stored as null');
    return 'null';
  }
}

/** The message only (never a stack), bounded so a huge error text cannot bloat the row. */
function errorMessage(err: unknown): string {
  const text = err instanceof Error ? `${err.name === 'Error' || err.name === 'JobAbort' ? '' : `${err.name}: `}${err.message}` : String(err);
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e?.code === '23505' || (typeof e?.code === 'string' && e.code.startsWith('SQLITE_CONSTRAINT'));
}
