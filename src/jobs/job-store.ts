/**
 * Every SQL statement of the queue, on both engines. State changes made by a worker are fenced by
 * `(leaseOwner, attempts)`: a worker whose lease expired and was re-claimed elsewhere (or whose job
 * was cancelled) finds no row to update, so a late result never overwrites a newer attempt.
 */
import { randomRecordId } from '../lib/random-string.js';
import type { Database, Row, SqlParam } from '../db/database.js';
import { jsonParam } from '../db/sql.js';
import type { JobRow, JobState } from './job-types.js';

/** Galley's datetime text, which sorts like the instant it names. */
export function jobTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ');
}

/** A claimed job, as the worker needs it. */
export interface ClaimedJob {
  id: string;
  kind: string;
  queue: string;
  payload: unknown;
  attempts: number;
  maxAttempts: number;
  timeoutMs: number;
  onceResults: Record<string, unknown>;
}

export interface NewJob {
  kind: string;
  queue: string;
  payload: string;
  priority: number;
  runAt: number;
  maxAttempts: number;
  timeoutMs: number;
  dedupKey: string | null;
}

export interface Fence {
  id: string;
  owner: string;
  attempts: number;
}

const FENCE = `"id" = ? AND "state" = 'running' AND "leaseOwner" = ? AND "attempts" = ?`;

function fenceParams(f: Fence): SqlParam[] {
  return [f.id, f.owner, f.attempts];
}

export class JobStore {
  readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /**
   * Inserts a job, or returns the unfinished job holding the same dedup key. Runs on `db`, so it
   * joins the caller's transaction when there is one. The insert skips on a dedup conflict
   * (`ON CONFLICT DO NOTHING` against the partial unique index), so two nodes enqueueing the same
   * key at once leave exactly one job and neither fails.
   */
  async insert(job: NewJob, now: number): Promise<{ id: string; deduplicated: boolean }> {
    const id = randomRecordId();
    const created = jobTime(now);
    const conflict = job.dedupKey === null
      ? ''
      : ` ON CONFLICT ("dedupKey") WHERE "dedupKey" IS NOT NULL AND "state" IN ('queued', 'running', 'failed') DO NOTHING`;
    for (let round = 0; round < 5; round++) {
      const res = await this.db.run(
        `INSERT INTO "_jobs" ("id", "kind", "queue", "payload", "state", "priority", "runAt", "maxAttempts", "timeoutMs", "dedupKey", "created", "updated")
         VALUES (?, ?, ?, ${jsonParam(this.db.dialect)}, 'queued', ?, ?, ?, ?, ?, ?, ?)${conflict}`,
        [id, job.kind, job.queue, job.payload, job.priority, jobTime(job.runAt), job.maxAttempts, job.timeoutMs, job.dedupKey, created, created],
      );
      if (res.changes === 1) return { id, deduplicated: false };
      const existing = await this.db.get<{ id: string }>(
        `SELECT "id" FROM "_jobs" WHERE "dedupKey" = ? AND "state" IN ('queued', 'running', 'failed')`,
        [job.dedupKey],
      );
      // The holder may have finished between the two statements: insert again.
      if (existing) return { id: existing.id, deduplicated: true };
    }
    throw new Error(`could not enqueue job with dedup key ${job.dedupKey}: it kept changing`);
  }

  /** When the next waiting job of `queue` is due (datetime text), or undefined. A read only. */
  async nextDue(queue: string): Promise<string | undefined> {
    const row = await this.db.get<{ next: string | null }>(
      `SELECT MIN("runAt") AS "next" FROM "_jobs" WHERE "queue" = ? AND "state" IN ('queued', 'failed')`,
      [queue],
    );
    return row?.next ?? undefined;
  }

  /**
   * Takes up to `limit` due jobs of `queue` under a lease. PostgreSQL skips rows other nodes are
   * claiming (`FOR UPDATE SKIP LOCKED`); SQLite's single writer runs the statement alone.
   */
  async claim(queue: string, limit: number, owner: string, now: number, leaseMs: number): Promise<ClaimedJob[]> {
    const lock = this.db.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    const rows = await this.db.all<Row>(
      `UPDATE "_jobs" SET "state" = 'running', "attempts" = "attempts" + 1, "leaseOwner" = ?, "leaseUntil" = ?, "updated" = ?
       WHERE "id" IN (
         SELECT "id" FROM "_jobs" WHERE "queue" = ? AND "state" IN ('queued', 'failed') AND "runAt" <= ?
         ORDER BY "priority" DESC, "runAt", "id" LIMIT ?${lock}
       )
       RETURNING "id", "kind", "queue", "payload", "priority", "runAt", "attempts", "maxAttempts", "timeoutMs", "onceResults"`,
      [owner, jobTime(now + leaseMs), jobTime(now), queue, jobTime(now), limit],
    );
    rows.sort((a, b) => Number(b.priority) - Number(a.priority) || String(a.runAt).localeCompare(String(b.runAt)));
    return rows.map((r) => ({
      id: String(r.id),
      kind: String(r.kind),
      queue: String(r.queue),
      payload: parseJson(r.payload),
      attempts: Number(r.attempts),
      maxAttempts: Number(r.maxAttempts),
      timeoutMs: Number(r.timeoutMs),
      onceResults: (parseJson(r.onceResults) ?? {}) as Record<string, unknown>,
    }));
  }

  /** Extends the leases of `owner`'s running jobs; returns the ids it still holds. */
  async renew(owner: string, ids: readonly string[], now: number, leaseMs: number): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db.all<{ id: string }>(
      `UPDATE "_jobs" SET "leaseUntil" = ? WHERE "state" = 'running' AND "leaseOwner" = ? AND "id" IN (${ids.map(() => '?').join(', ')}) RETURNING "id"`,
      [jobTime(now + leaseMs), owner, ...ids],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Whether any running job's lease has expired (a read, checked before the write below). */
  async hasExpiredLeases(now: number): Promise<boolean> {
    const row = await this.db.get(`SELECT 1 AS "x" FROM "_jobs" WHERE "state" = 'running' AND "leaseUntil" < ? LIMIT 1`, [jobTime(now)]);
    return row !== undefined;
  }

  /**
   * Jobs whose node stopped renewing (died, hung) become due again, or dead when that attempt was
   * their last. Any node may run this; the guarded UPDATE makes it idempotent.
   */
  async recoverExpired(now: number): Promise<number> {
    const t = jobTime(now);
    const dead = await this.db.run(
      `UPDATE "_jobs" SET "state" = 'dead', "lastError" = ?, "leaseOwner" = NULL, "leaseUntil" = NULL, "updated" = ?, "finished" = ?
       WHERE "state" = 'running' AND "leaseUntil" < ? AND "attempts" >= "maxAttempts"`,
      ['lease expired: the node running the job stopped renewing it (last attempt)', t, t, t],
    );
    const again = await this.db.run(
      `UPDATE "_jobs" SET "state" = 'failed', "lastError" = ?, "leaseOwner" = NULL, "leaseUntil" = NULL, "runAt" = ?, "updated" = ?
       WHERE "state" = 'running' AND "leaseUntil" < ?`,
      ['lease expired: the node running the job stopped renewing it', t, t, t],
    );
    return dead.changes + again.changes;
  }

  async complete(f: Fence, result: string, progress: ProgressValue | undefined, now: number): Promise<boolean> {
    const t = jobTime(now);
    const res = await this.db.run(
      `UPDATE "_jobs" SET "state" = 'completed', "result" = ${jsonParam(this.db.dialect)}, "leaseOwner" = NULL, "leaseUntil" = NULL,
         "updated" = ?, "finished" = ?${progress ? `, "progressDone" = ?, "progressTotal" = ?, "progressMessage" = ?` : ''}
       WHERE ${FENCE}`,
      [result, t, t, ...(progress ? [progress.done, progress.total, progress.message] : []), ...fenceParams(f)],
    );
    return res.changes === 1;
  }

  /** A failed attempt: a retry at `retryAt`, or dead when `retryAt` is undefined. */
  async fail(f: Fence, message: string, retryAt: number | undefined, now: number): Promise<boolean> {
    const t = jobTime(now);
    const res = retryAt === undefined
      ? await this.db.run(
          `UPDATE "_jobs" SET "state" = 'dead', "lastError" = ?, "leaseOwner" = NULL, "leaseUntil" = NULL, "updated" = ?, "finished" = ? WHERE ${FENCE}`,
          [message, t, t, ...fenceParams(f)],
        )
      : await this.db.run(
          `UPDATE "_jobs" SET "state" = 'failed', "lastError" = ?, "leaseOwner" = NULL, "leaseUntil" = NULL, "runAt" = ?, "updated" = ? WHERE ${FENCE}`,
          [message, jobTime(retryAt), t, ...fenceParams(f)],
        );
    return res.changes === 1;
  }

  /** Hands a job back untouched (node stopping): due now, the interrupted attempt not counted. */
  async release(f: Fence, now: number): Promise<void> {
    const t = jobTime(now);
    await this.db.run(
      `UPDATE "_jobs" SET "state" = 'queued', "attempts" = "attempts" - 1, "leaseOwner" = NULL, "leaseUntil" = NULL, "runAt" = ?, "updated" = ? WHERE ${FENCE}`,
      [t, t, ...fenceParams(f)],
    );
  }

  async progress(f: Fence, p: ProgressValue, now: number): Promise<void> {
    await this.db.run(
      `UPDATE "_jobs" SET "progressDone" = ?, "progressTotal" = ?, "progressMessage" = ?, "updated" = ? WHERE ${FENCE}`,
      [p.done, p.total, p.message, jobTime(now), ...fenceParams(f)],
    );
  }

  /** Stores the `once()` results of the running attempt (joins the handler's transaction, if any). */
  async saveOnce(f: Fence, results: Record<string, unknown>): Promise<boolean> {
    const res = await this.db.run(
      `UPDATE "_jobs" SET "onceResults" = ${jsonParam(this.db.dialect)} WHERE ${FENCE}`,
      [JSON.stringify(results), ...fenceParams(f)],
    );
    return res.changes === 1;
  }

  // ---- management ------------------------------------------------------------------------------

  async get(id: string): Promise<JobRow | undefined> {
    const row = await this.db.get<Row>(`SELECT * FROM "_jobs" WHERE "id" = ?`, [id]);
    return row ? toJobRow(row) : undefined;
  }

  async list(where: { sql: string; params: readonly SqlParam[] } | undefined, orderBy: string, limit: number, offset: number): Promise<{ items: JobRow[]; total: number }> {
    const clause = where ? ` WHERE ${where.sql}` : '';
    const params = where ? [...where.params] : [];
    const rows = await this.db.all<Row>(`SELECT * FROM "_jobs"${clause} ORDER BY ${orderBy} LIMIT ? OFFSET ?`, [...params, limit, offset]);
    const count = await this.db.get<{ n: number | string }>(`SELECT COUNT(*) AS "n" FROM "_jobs"${clause}`, params);
    return { items: rows.map(toJobRow), total: Number(count?.n ?? 0) };
  }

  /**
   * A finished or retry-pending job back to `queued`, due now, with its attempts reset: the row as
   * this statement wrote it (a worker may claim it the moment it commits), or undefined.
   */
  async retry(id: string, now: number): Promise<JobRow | undefined> {
    const t = jobTime(now);
    const row = await this.db.get<Row>(
      `UPDATE "_jobs" SET "state" = 'queued', "attempts" = 0, "runAt" = ?, "updated" = ?, "finished" = NULL
       WHERE "id" = ? AND "state" IN ('failed', 'dead', 'cancelled') RETURNING *`,
      [t, t, id],
    );
    return row ? toJobRow(row) : undefined;
  }

  /** Cancels an unfinished job; a running one is aborted by its node at the next lease renewal. */
  async cancel(id: string, now: number): Promise<JobRow | undefined> {
    const t = jobTime(now);
    const row = await this.db.get<Row>(
      `UPDATE "_jobs" SET "state" = 'cancelled', "leaseOwner" = NULL, "leaseUntil" = NULL, "updated" = ?, "finished" = ?
       WHERE "id" = ? AND "state" IN ('queued', 'failed', 'running') RETURNING *`,
      [t, t, id],
    );
    return row ? toJobRow(row) : undefined;
  }

  async purgeDead(): Promise<number> {
    return (await this.db.run(`DELETE FROM "_jobs" WHERE "state" = 'dead'`)).changes;
  }

  /** Deletes completed and cancelled jobs finished before `before` (housekeeping). */
  async purgeFinished(before: number): Promise<number> {
    return (await this.db.run(`DELETE FROM "_jobs" WHERE "state" IN ('completed', 'cancelled') AND "finished" < ?`, [jobTime(before)])).changes;
  }
}

export interface ProgressValue {
  done: number;
  total: number | null;
  message: string;
}

function parseJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return null;
  }
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

export function toJobRow(r: Row): JobRow {
  const done = r.progressDone;
  return {
    id: String(r.id),
    kind: String(r.kind),
    queue: String(r.queue),
    payload: parseJson(r.payload),
    state: String(r.state) as JobState,
    priority: Number(r.priority),
    runAt: String(r.runAt),
    attempts: Number(r.attempts),
    maxAttempts: Number(r.maxAttempts),
    timeoutMs: Number(r.timeoutMs),
    leaseUntil: textOrNull(r.leaseUntil),
    leaseOwner: textOrNull(r.leaseOwner),
    dedupKey: textOrNull(r.dedupKey),
    progress: done === null || done === undefined
      ? null
      : { done: Number(done), total: r.progressTotal === null || r.progressTotal === undefined ? null : Number(r.progressTotal), message: String(r.progressMessage ?? '') },
    lastError: textOrNull(r.lastError),
    result: parseJson(r.result),
    created: String(r.created),
    updated: String(r.updated),
    finished: textOrNull(r.finished),
  };
}
