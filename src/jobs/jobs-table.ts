/**
 * `_jobs` (the queue) and `_jobs_cron` (the last fired tick of each cron schedule) in the primary
 * database, created when missing. Times are Galley datetime text (`YYYY-MM-DD HH:MM:SS.sssZ`, UTC),
 * which sorts and compares as text on both engines; columns are named like the JSON fields so the
 * rule language can filter them (`job-collection.ts`). PostgreSQL gets the `_rowid` column SQLite
 * has built in, so a `@rowid` sort works on both.
 */
import type { Queryable } from '../db/database.js';
import { jsonColumnType } from '../db/sql.js';

export async function ensureJobsTables(db: Queryable): Promise<void> {
  const pg = db.dialect === 'postgres';
  const text = pg ? 'TEXT COLLATE "C"' : 'TEXT';
  const json = jsonColumnType(db.dialect);
  const statements = [
    `CREATE TABLE IF NOT EXISTS "_jobs" (
      ${pg ? '"_rowid" BIGINT GENERATED ALWAYS AS IDENTITY,' : ''}
      "id" ${text} PRIMARY KEY NOT NULL,
      "kind" ${text} NOT NULL,
      "queue" ${text} NOT NULL DEFAULT 'default',
      "payload" ${json} NOT NULL DEFAULT 'null',
      "state" ${text} NOT NULL DEFAULT 'queued',
      "priority" INTEGER NOT NULL DEFAULT 0,
      "runAt" ${text} NOT NULL,
      "attempts" INTEGER NOT NULL DEFAULT 0,
      "maxAttempts" INTEGER NOT NULL DEFAULT 5,
      "timeoutMs" INTEGER NOT NULL DEFAULT 0,
      "leaseUntil" ${text} DEFAULT NULL,
      "leaseOwner" ${text} DEFAULT NULL,
      "dedupKey" ${text} DEFAULT NULL,
      "progressDone" DOUBLE PRECISION DEFAULT NULL,
      "progressTotal" DOUBLE PRECISION DEFAULT NULL,
      "progressMessage" TEXT NOT NULL DEFAULT '',
      "lastError" TEXT DEFAULT NULL,
      "result" ${json} DEFAULT NULL,
      "onceResults" ${json} NOT NULL DEFAULT '{}',
      "created" ${text} NOT NULL,
      "updated" ${text} NOT NULL,
      "finished" ${text} DEFAULT NULL
    )`,
    // The claim query: due jobs of one queue, best priority first, then oldest run time.
    `CREATE INDEX IF NOT EXISTS "_jobs_claim_idx" ON "_jobs" ("queue", "priority" DESC, "runAt") WHERE "state" IN ('queued', 'failed')`,
    // The idle check: when is the next job of a queue due (a read, so an idle SQLite node never writes).
    `CREATE INDEX IF NOT EXISTS "_jobs_due_idx" ON "_jobs" ("queue", "runAt") WHERE "state" IN ('queued', 'failed')`,
    // Expired leases (a node died mid-job) and a node's own running jobs (lease renewal).
    `CREATE INDEX IF NOT EXISTS "_jobs_lease_idx" ON "_jobs" ("leaseUntil") WHERE "state" = 'running'`,
    `CREATE INDEX IF NOT EXISTS "_jobs_owner_idx" ON "_jobs" ("leaseOwner") WHERE "state" = 'running'`,
    // At most one unfinished job per dedup key, enforced by the database so it holds across nodes.
    `CREATE UNIQUE INDEX IF NOT EXISTS "_jobs_dedup_idx" ON "_jobs" ("dedupKey") WHERE "dedupKey" IS NOT NULL AND "state" IN ('queued', 'running', 'failed')`,
    `CREATE INDEX IF NOT EXISTS "_jobs_created_idx" ON "_jobs" ("created")`,
    `CREATE INDEX IF NOT EXISTS "_jobs_state_idx" ON "_jobs" ("state", "finished")`,
    `CREATE TABLE IF NOT EXISTS "_jobs_cron" (
      "name" ${text} PRIMARY KEY NOT NULL,
      "lastTick" ${text} NOT NULL DEFAULT ''
    )`,
  ];
  for (const sql of statements) await db.run(sql);
}
