/**
 * Idempotency keys (IETF draft `Idempotency-Key` header) kept in the app's own database, so every
 * node of a distributed deployment sees the same keys. Framework-light: `begin` claims a key,
 * `complete` stores the response for replay, `release` forgets the claim (5xx, 429, aborted work).
 * The HTTP glue lives in `fastify-idempotency.ts`; custom routes may call the store directly.
 */
import { randomBytes } from 'node:crypto';
import type { Database } from '../db/database.js';

/** A response as stored for replay. The body is text: Galley's write routes answer JSON. */
export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Proof of a claim, handed back to `complete`/`release`; only the claimer's token matches the row. */
export interface IdempotencyToken {
  readonly scope: string;
  readonly key: string;
  readonly id: string;
}

export type BeginResult =
  | { kind: 'proceed'; token: IdempotencyToken }
  | { kind: 'replay'; response: StoredResponse }
  /** The first request with this key is still running (answer 409). */
  | { kind: 'conflict' }
  /** The key was used with a different request (answer 422). */
  | { kind: 'mismatch' };

export interface IdempotencyStoreOptions {
  /** How long a completed (or claimed) key is kept. Default 24 h, the retention Galley documents. */
  retentionMs?: number;
  /**
   * How long a running claim holds its key. A node that dies mid-request leaves a `running` row;
   * after the lease another request may take the key over instead of getting 409 for a day.
   * Default 60 s (longer than any sane write request).
   */
  leaseMs?: number;
  /** Background purge of expired rows; 0 disables (call `purge()` yourself). Default 1 h. */
  purgeEveryMs?: number;
  /** The clock, in ms since the epoch. Tests pass their own to exercise expiry. */
  now?: () => number;
}

interface IdempotencyRow {
  fingerprint: string;
  state: string;
  token: string;
  status: number | null;
  headers: string | null;
  body: string | null;
  expires: string;
  locked_until: string;
}

const TABLE = '"_idempotency"';

// Datetimes are stored as Galley stores them everywhere (`YYYY-MM-DD HH:MM:SS.sssZ`): fixed width,
// so string comparison is time order on both engines.
function toDatetime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ');
}

export class IdempotencyStore {
  readonly #db: Database;
  readonly #retentionMs: number;
  readonly #leaseMs: number;
  readonly #now: () => number;
  #ready: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(db: Database, options: IdempotencyStoreOptions = {}) {
    this.#db = db;
    this.#retentionMs = options.retentionMs ?? 24 * 60 * 60 * 1000;
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.#now = options.now ?? Date.now;
    const purgeEvery = options.purgeEveryMs ?? 60 * 60 * 1000;
    if (purgeEvery > 0) {
      this.#timer = setInterval(() => {
        this.purge().catch(() => {
          // A failed purge is retried at the next tick; stale rows are ignored by `begin` anyway.
        });
      }, purgeEvery);
      this.#timer.unref();
    }
  }

  /** Creates the table if missing. Idempotent, called lazily by every operation. */
  ensureSchema(): Promise<void> {
    // Two nodes starting at once can race on PostgreSQL's catalog even with IF NOT EXISTS (a
    // unique violation on pg_type); the second attempt then finds the table and succeeds.
    this.#ready ??= this.#createTable()
      .catch(() => this.#createTable())
      .catch((err: unknown) => {
        this.#ready = undefined;
        throw err;
      });
    return this.#ready;
  }

  #createTable(): Promise<void> {
    return this.#db.exec(
        `CREATE TABLE IF NOT EXISTS ${TABLE} (
          "scope" TEXT NOT NULL,
          "key" TEXT NOT NULL,
          "fingerprint" TEXT NOT NULL,
          "state" TEXT NOT NULL,
          "token" TEXT NOT NULL,
          "status" INTEGER,
          "headers" TEXT,
          "body" TEXT,
          "created" TEXT NOT NULL,
          "expires" TEXT NOT NULL,
          "locked_until" TEXT NOT NULL,
          PRIMARY KEY ("scope", "key")
        );
        CREATE INDEX IF NOT EXISTS "_idempotency_expires_idx" ON ${TABLE} ("expires")`,
    );
  }

  /**
   * Claims `key` in `scope` for a request with `fingerprint`, or says why not. Must run outside
   * any transaction: the claim has to be visible to other requests (and nodes) at once.
   */
  async begin(scope: string, key: string, fingerprint: string): Promise<BeginResult> {
    await this.ensureSchema();
    // Two rounds are enough: the second only happens after we removed a stale row ourselves or
    // lost the row to a concurrent purge; a third would mean another claimer won, which the
    // SELECT below then reports.
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = this.#now();
      const id = randomBytes(16).toString('hex');
      // ON CONFLICT DO NOTHING is the atomic claim on both engines: exactly one concurrent INSERT
      // of the same (scope, key) changes a row, on one node or many.
      const claimed = await this.#db.run(
        `INSERT INTO ${TABLE} ("scope", "key", "fingerprint", "state", "token", "created", "expires", "locked_until")
         VALUES (?, ?, ?, 'running', ?, ?, ?, ?)
         ON CONFLICT ("scope", "key") DO NOTHING`,
        [scope, key, fingerprint, id, toDatetime(now), toDatetime(now + this.#retentionMs), toDatetime(now + this.#leaseMs)],
      );
      if (claimed.changes === 1) return { kind: 'proceed', token: { scope, key, id } };

      const row = await this.#db.get<IdempotencyRow>(
        `SELECT "fingerprint", "state", "token", "status", "headers", "body", "expires", "locked_until"
         FROM ${TABLE} WHERE "scope" = ? AND "key" = ?`,
        [scope, key],
      );
      if (!row) continue; // purged or released between our INSERT and SELECT
      const nowText = toDatetime(now);
      const stale = row.expires <= nowText || (row.state === 'running' && row.locked_until <= nowText);
      if (stale) {
        // Guarded by the old token so two requests taking over the same stale row cannot both win.
        await this.#db.run(`DELETE FROM ${TABLE} WHERE "scope" = ? AND "key" = ? AND "token" = ?`, [scope, key, row.token]);
        continue;
      }
      if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
      if (row.state !== 'done') return { kind: 'conflict' };
      return {
        kind: 'replay',
        response: {
          status: Number(row.status),
          headers: row.headers ? (JSON.parse(row.headers) as Record<string, string>) : {},
          body: row.body ?? '',
        },
      };
    }
    return { kind: 'conflict' };
  }

  /**
   * Stores the response of a claimed request for replay. Responses that say "try again" (5xx,
   * 429) are not stored: the key is released so the client's retry runs the request again.
   * Returns false when the claim was lost (lease expired and taken over, or purged).
   */
  async complete(token: IdempotencyToken, response: StoredResponse): Promise<boolean> {
    if (!isStorable(response.status)) {
      await this.release(token);
      return false;
    }
    await this.ensureSchema();
    const result = await this.#db.run(
      `UPDATE ${TABLE} SET "state" = 'done', "status" = ?, "headers" = ?, "body" = ?
       WHERE "scope" = ? AND "key" = ? AND "token" = ? AND "state" = 'running'`,
      [response.status, JSON.stringify(response.headers), response.body, token.scope, token.key, token.id],
    );
    return result.changes === 1;
  }

  /** Forgets a claim so the key can be used again (failed or aborted request). */
  async release(token: IdempotencyToken): Promise<void> {
    await this.ensureSchema();
    await this.#db.run(`DELETE FROM ${TABLE} WHERE "scope" = ? AND "key" = ? AND "token" = ? AND "state" = 'running'`, [
      token.scope,
      token.key,
      token.id,
    ]);
  }

  /** Deletes expired keys; returns how many. */
  async purge(): Promise<number> {
    await this.ensureSchema();
    const result = await this.#db.run(`DELETE FROM ${TABLE} WHERE "expires" <= ?`, [toDatetime(this.#now())]);
    return result.changes;
  }

  /** Stops the background purge. The database stays open: it belongs to the caller. */
  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** 5xx and 429 mean "not done, try again"; replaying them would turn a transient failure permanent. */
export function isStorable(status: number): boolean {
  return status < 500 && status !== 429;
}
