/**
 * The `_logs` table: request and app logs, kept apart from app data (SQLite: `auxiliary.db`, so log
 * writes never queue behind the app's single writer; PostgreSQL: a table in the same database).
 * Rows have PocketBase's log shape; `data` is JSON text on SQLite and JSONB on PostgreSQL, as a json
 * field is (docs/internals/storage-layout.md), so the rule compiler can treat `_logs` like a collection.
 */
import type { Database, SqlParam } from '../db/database.js';
import { randomRecordId } from '../lib/random-string.js';

export interface LogEntry {
  id: string;
  created: string;
  updated: string;
  /** slog levels: -4 debug, 0 info, 4 warn, 8 error. */
  level: number;
  message: string;
  data: Record<string, unknown>;
}

/**
 * A log the writer turns into its row only when it flushes: the request path records a few values
 * and the id, dates and data object are built in the batch, off the response's time.
 */
export interface DeferredLogEntry {
  toEntry(): LogEntry;
}

export interface LogQuery {
  /** A SQL condition over `_logs` with `?` placeholders (compiled from a filter upstream). */
  where?: { sql: string; params: readonly SqlParam[] };
  /** ORDER BY terms, already validated (column names from a fixed list). */
  orderBy?: string;
  limit: number;
  offset: number;
  skipTotal?: boolean;
}

export interface LogStats {
  total: number;
  date: string;
}

/**
 * 15 chars of `[a-z0-9]`, PocketBase's id shape. From the pooled CSPRNG bytes: a `randomBytes` call
 * per request log was ~5 % of a get-by-id.
 */
export function newLogId(): string {
  return randomRecordId();
}

/** The datetime text format stored everywhere: `YYYY-MM-DD HH:MM:SS.sssZ`. */
export function logDate(date: Date = new Date()): string {
  return date.toISOString().replace('T', ' ');
}

export class LogStore {
  readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /** Creates `_logs` and its indexes when missing. */
  async ensureTable(): Promise<void> {
    const pg = this.db.dialect === 'postgres';
    await this.db.exec(`
      CREATE TABLE IF NOT EXISTS "_logs" (
        ${pg ? '"_rowid" BIGINT GENERATED ALWAYS AS IDENTITY,' : ''}
        "id" TEXT ${pg ? 'COLLATE "C" ' : ''}PRIMARY KEY NOT NULL,
        "created" TEXT ${pg ? 'COLLATE "C" ' : ''}NOT NULL DEFAULT '',
        "updated" TEXT ${pg ? 'COLLATE "C" ' : ''}NOT NULL DEFAULT '',
        "level" INTEGER NOT NULL DEFAULT 0,
        "message" TEXT ${pg ? 'COLLATE "C" ' : ''}NOT NULL DEFAULT '',
        "data" ${pg ? 'JSONB' : 'JSON'} NOT NULL DEFAULT '{}'
      );
      CREATE INDEX IF NOT EXISTS "_logs_idx_created" ON "_logs" ("created");
      CREATE INDEX IF NOT EXISTS "_logs_idx_level" ON "_logs" ("level");
    `);
  }

  /** One multi-row INSERT per batch: a single write (and fsync) for many requests. */
  async insertMany(entries: readonly LogEntry[]): Promise<void> {
    // 6 params per row; stay well under SQLite's 32766 and PostgreSQL's 65535 bound parameters.
    const chunkSize = 500;
    for (let i = 0; i < entries.length; i += chunkSize) {
      const chunk = entries.slice(i, i + chunkSize);
      const params: SqlParam[] = [];
      for (const e of chunk) params.push(e.id, e.created, e.updated, e.level, e.message, JSON.stringify(e.data));
      const values = chunk.map(() => '(?, ?, ?, ?, ?, ?)').join(', ');
      await this.db.run(
        `INSERT INTO "_logs" ("id", "created", "updated", "level", "message", "data") VALUES ${values}`,
        params,
      );
    }
  }

  async find(id: string): Promise<LogEntry | undefined> {
    const row = await this.db.get(`SELECT "id", "created", "updated", "level", "message", "data" FROM "_logs" WHERE "id" = ?`, [id]);
    return row ? toEntry(row) : undefined;
  }

  async list(query: LogQuery): Promise<{ items: LogEntry[]; total: number }> {
    const where = query.where ? ` WHERE ${query.where.sql}` : '';
    const params = query.where ? [...query.where.params] : [];
    const order = query.orderBy ?? `"created" DESC, ${this.rowidColumn()} DESC`;
    const rows = await this.db.all(
      `SELECT "id", "created", "updated", "level", "message", "data" FROM "_logs"${where} ORDER BY ${order} LIMIT ? OFFSET ?`,
      [...params, query.limit, query.offset],
    );
    let total = -1;
    if (!query.skipTotal) {
      const count = await this.db.get<{ n: number | string }>(`SELECT COUNT(*) AS "n" FROM "_logs"${where}`, params);
      total = Number(count?.n ?? 0);
    }
    return { items: rows.map(toEntry), total };
  }

  /** Requests per hour, oldest first; `date` is the hour's start in the stored datetime format. */
  async stats(where?: { sql: string; params: readonly SqlParam[] }): Promise<LogStats[]> {
    const clause = where ? ` WHERE ${where.sql}` : '';
    const rows = await this.db.all<{ total: number | string; date: string }>(
      `SELECT COUNT(*) AS "total", SUBSTR("created", 1, 13) || ':00:00.000Z' AS "date"
       FROM "_logs"${clause} GROUP BY SUBSTR("created", 1, 13) ORDER BY SUBSTR("created", 1, 13)`,
      where ? [...where.params] : [],
    );
    return rows.map((r) => ({ total: Number(r.total), date: r.date }));
  }

  /** Retention: deletes logs created before `cutoff`; returns how many went. */
  async deleteOlderThan(cutoff: Date): Promise<number> {
    const res = await this.db.run(`DELETE FROM "_logs" WHERE "created" < ?`, [logDate(cutoff)]);
    return res.changes;
  }

  /** The insertion-order column, the tie-breaker of every list. */
  rowidColumn(): string {
    return this.db.dialect === 'postgres' ? '"_rowid"' : '"rowid"';
  }
}

function toEntry(row: Record<string, unknown>): LogEntry {
  let data: unknown = row.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      data = {};
    }
  }
  return {
    id: String(row.id),
    created: String(row.created),
    updated: String(row.updated),
    level: Number(row.level),
    message: String(row.message),
    data: (data ?? {}) as Record<string, unknown>,
  };
}
