/**
 * The public shapes of the job queue (docs/jobs.md): what a kind's definition, an enqueue and a
 * handler see, and the JSON row that management code (`/api/jobs`, `galley jobs`) gets back.
 */
import type { Logger } from 'pino';

/**
 * `queued`: waiting for its run time; `running`: claimed under a lease; `failed`: the last attempt
 * failed and a retry is pending (at `runAt`); `completed`, `dead` (out of attempts, unknown kind)
 * and `cancelled` are final.
 */
export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'dead' | 'cancelled';

export const JOB_STATES: readonly JobState[] = ['queued', 'running', 'completed', 'failed', 'dead', 'cancelled'];

/** States a job can still leave by itself; a dedup key is unique among jobs in these states. */
export const UNFINISHED_STATES: readonly JobState[] = ['queued', 'running', 'failed'];

export interface BackoffOptions {
  /** Delay before the first retry; doubles on each further attempt. */
  baseMs: number;
  /** Upper bound of one delay. */
  maxMs: number;
}

export interface JobDefinitionOptions {
  /** Queue the kind's jobs go to unless an enqueue names another. Default `default`. */
  queue?: string;
  /**
   * Jobs of this kind's queue that run at once on one node. Kinds sharing a queue share the limit
   * (the largest value given wins). Default: the queue's `defaultConcurrency`.
   */
  concurrency?: number;
  /** Per-attempt time limit; the handler's signal aborts and the attempt fails. */
  timeoutMs?: number;
  /** Attempts before the job goes dead. */
  maxAttempts?: number;
  /** Retry delays: `baseMs * 2^(attempt-1)`, capped at `maxMs`, with jitter. */
  backoff?: BackoffOptions;
}

export interface EnqueueOptions {
  queue?: string;
  /** Higher runs first among due jobs of a queue. Default 0. */
  priority?: number;
  /** Run no earlier than this many ms from now. */
  delayMs?: number;
  /** Run no earlier than this time (wins over `delayMs`). */
  runAt?: Date;
  /**
   * At most one unfinished job (queued, running or retry pending) holds this key; enqueueing
   * another returns the existing job's id with `deduplicated: true`.
   */
  dedupKey?: string;
  maxAttempts?: number;
  timeoutMs?: number;
}

export interface EnqueueResult {
  id: string;
  /** True when an unfinished job with the same dedup key existed and nothing was added. */
  deduplicated: boolean;
}

export interface JobContext<P = unknown> {
  id: string;
  kind: string;
  payload: P;
  /** 1-based: 1 on the first run, higher on retries and after a node died mid-job. */
  attempt: number;
  /** Aborted on timeout, on cancel, when the lease is lost and when the node stops. */
  signal: AbortSignal;
  logger: Logger;
  /** Stores progress on the job (visible in `/api/jobs`); writes are throttled. */
  progress(done: number, total?: number, message?: string): Promise<void>;
  /**
   * Runs `fn` once per (job, key) across attempts and returns its JSON result; a later attempt
   * gets the stored result without running `fn`. Stored when `fn` resolves: a crash between the
   * two runs `fn` again (see docs/jobs.md).
   */
  once<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

export type JobHandler<P = unknown> = (ctx: JobContext<P>) => Promise<unknown>;

/** A job as management code sees it: plain JSON, times as Galley datetimes (`YYYY-MM-DD HH:MM:SS.sssZ`). */
export interface JobRow {
  id: string;
  kind: string;
  queue: string;
  payload: unknown;
  state: JobState;
  priority: number;
  runAt: string;
  attempts: number;
  maxAttempts: number;
  timeoutMs: number;
  leaseUntil: string | null;
  leaseOwner: string | null;
  dedupKey: string | null;
  progress: { done: number; total: number | null; message: string } | null;
  /** Message of the last failure; never a stack. */
  lastError: string | null;
  result: unknown;
  created: string;
  updated: string;
  finished: string | null;
}

export interface JobListOptions {
  /** A rule-language filter over the job columns (`state = 'dead' && kind ~ 'mail'`). */
  filter?: string;
  /** Sort like records (`-created,priority`). Default `-created`. */
  sort?: string;
  state?: JobState;
  kind?: string;
  queue?: string;
  page?: number;
  perPage?: number;
}

export interface JobList {
  page: number;
  perPage: number;
  totalItems: number;
  totalPages: number;
  items: JobRow[];
}
