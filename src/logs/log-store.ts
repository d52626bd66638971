/**
 * The `_logs` table: request and app logs, kept apart from app data (SQLite: `auxiliary.db`, so log
 * writes never queue behind the app's single writer; PostgreSQL: a table in the same database).
 * Rows have PocketBase's log shape; `data` is JSON text on SQLite and JSONB on PostgreSQL, as a json
 * field is (docs/internals/storage-layout.md), so the rule compiler can treat `_logs` like a collection.
 */
import type { Database, SqlParam } from '../db/database.js';
import { dbErrorKind } from '../db/db-error-kind.js';
import { randomBelow } from '../lib/random-string.js';

export interface LogEntry {
  id: string;
  created: string;
  updated: string;
  /** slog levels: -4 debug, 0 info, 4 warn, 8 error. */
  level: number;
  message: string;
  data: Record<string, unknown>;
}

/** A log as it is inserted: `data` is already its JSON text. */
export interface LogRow {
  id: string;
  created: string;
  updated: string;
  level: number;
  message: string;
  data: string;
}

/**
 * A log the writer turns into its row only when it flushes: the request path records a few values
 * and the id, dates and data JSON are built in the batch, off the response's time.
 */
export interface DeferredLogEntry {
  toRow(): LogRow;
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

// 36^7: the values of the 7-char tail of a log id.
const TAIL_SPAN = 78_364_164_096;
let lastMs = 0;
let lastTail = 0;
/** The id's first 8 chars, formatted once per millisecond. */
let lastMsText = '';

/**
 * 15 chars of `[a-z0-9]`, PocketBase's id shape, increasing within a process: 8 chars of
 * milliseconds (base 36, until 2059) and a 7-char tail that starts at a random value in each new
 * millisecond and counts up within it. Random ids put every insert into the `id` index on a random
 * page (a batch dirtied ~one page per row; ~32 µs CPU per row at 200,000 logs, 7 µs in order).
 * The clock is held when it goes back, so ids never repeat within a process; across processes
 * (nodes sharing PostgreSQL, a CLI beside the server) a clash needs the same millisecond and
 * overlapping tail runs out of 36^7, and insertMany retries one with fresh ids.
 */
export function newLogId(): string {
  const now = Date.now();
  if (now > lastMs) {
    startMillisecond(now);
  } else if (++lastTail >= TAIL_SPAN) {
    startMillisecond(lastMs + 1);
  }
  return lastMsText + logIdTailText(lastTail);
}

/** A new millisecond of ids: its text once, and a fresh random start for its tails. */
function startMillisecond(ms: number): void {
  lastMs = ms;
  lastMsText = ms.toString(36).padStart(8, '0').slice(-8);
  lastTail = randomTail();
}

const TAIL_LOW_SPAN = 36 ** 4;

/**
 * `tail.toString(36).padStart(7, '0')` in two halves that fit V8's small integers: a tail above
 * 2^31 is a heap number, whose radix conversion runs an fmod per digit (~2,000 instructions per id,
 * several times the rest of the id).
 */
export function logIdTailText(tail: number): string {
  const high = Math.floor(tail / TAIL_LOW_SPAN);
  return high.toString(36).padStart(3, '0') + (tail - high * TAIL_LOW_SPAN).toString(36).padStart(4, '0');
}

/** In the lower half of the tail's range (so counting up rarely carries); 48 random bits, bias < 2^-12. */
function randomTail(): number {
  return ((randomBelow(65536) * 65536 + randomBelow(65536)) * 65536 + randomBelow(65536)) % (TAIL_SPAN / 2);
}

/** The datetime text format stored everywhere: `YYYY-MM-DD HH:MM:SS.sssZ`. */
export function logDate(date: Date = new Date()): string {
  return date.toISOString().replace('T', ' ');
}

let cachedSecond = NaN;
let cachedPrefix = '';

/**
 * `logDate(new Date(ms))` for a request's time: logs of one second share the text up to the
 * milliseconds, so only those are formatted per log (toISOString + replace per row showed in flushes).
 */
export function logDateOf(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const text = logDate(new Date(second * 1000));
    // Outside years 0-9999 toISOString has another shape: no shared prefix to cut.
    if (text.length !== 24) return logDate(new Date(ms));
    cachedSecond = second;
    cachedPrefix = text.slice(0, 20);
  }
  const milli = ms - second * 1000;
  return `${cachedPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/** The row of an entry built elsewhere (app code, tests). */
export function logRowOf(entry: LogEntry): LogRow {
  return { id: entry.id, created: entry.created, updated: entry.updated, level: entry.level, message: entry.message, data: JSON.stringify(entry.data) };
}

/**
 * Rows per log INSERT: the log writer flushes a busy server's logs in multiples of it, so each
 * becomes one statement of a single prepared shape.
 */
export const LOG_INSERT_BATCH = 200;
const SQLITE_REMAINDER_SIZES = [128, 64, 32, 16, 8, 4, 2, 1] as const;
const sqliteInserts = new Map<number, string>();

function sqliteInsertOf(rows: number): string {
  let sql = sqliteInserts.get(rows);
  if (sql === undefined) {
    sql = `INSERT INTO "_logs" ("id", "created", "updated", "level", "message", "data") VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}`;
    sqliteInserts.set(rows, sql);
  }
  return sql;
}

function sqliteParams(rows: readonly LogRow[], from: number, to: number): SqlParam[] {
  const params: SqlParam[] = [];
  for (let j = from; j < to; j++) {
    const r = rows[j] as LogRow;
    params.push(r.id, r.created, r.updated, r.level, r.message, r.data);
  }
  return params;
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

  /** One INSERT per batch (per 500 rows): a single write for many requests. */
  insertMany(entries: readonly LogEntry[]): Promise<void> {
    return this.insertRows(entries.map(logRowOf));
  }

  async insertRows(rows: readonly LogRow[]): Promise<void> {
    // SQLite: 6 params per row, well under its 32766 bound parameters. PostgreSQL: one JSON param.
    const chunkSize = this.db.dialect === 'postgres' ? 500 : LOG_INSERT_BATCH;
    for (let i = 0; i < rows.length; i += chunkSize) {
      let chunk = rows.slice(i, i + chunkSize);
      for (let attempt = 1; ; attempt++) {
        try {
          await (this.db.dialect === 'postgres' ? this.#insertPostgres(chunk) : this.#insertSqlite(chunk));
          break;
        } catch (err) {
          // An id another process took in the same millisecond (see newLogId): the statement
          // inserted nothing, so the whole chunk goes again with fresh ids rather than being lost.
          if (attempt >= 3 || dbErrorKind(err) !== 'unique') throw err;
          chunk = chunk.map((r) => ({ ...r, id: newLogId() }));
        }
      }
    }
  }

  /**
   * A full batch is one INSERT. Any other count (a quiet server's timed flush) is split into
   * power-of-two INSERTs in one transaction: a prepared statement per distinct count held ~130 KB
   * each (a long-running server met every count up to the batch: tens of MB). Against one
   * statement, splitting costs ~0.3 µs more per row, which only quiet servers pay.
   */
  async #insertSqlite(rows: readonly LogRow[]): Promise<void> {
    if (rows.length === LOG_INSERT_BATCH) {
      await this.db.run(sqliteInsertOf(LOG_INSERT_BATCH), sqliteParams(rows, 0, rows.length));
      return;
    }
    await this.db.transaction(async (tx) => {
      let i = 0;
      for (const size of SQLITE_REMAINDER_SIZES) {
        for (; rows.length - i >= size; i += size) await tx.run(sqliteInsertOf(size), sqliteParams(rows, i, i + size));
      }
    });
  }

  /**
   * The batch as one jsonb array unpacked by jsonb_to_recordset: one statement text for every
   * batch size (prepared once per connection) and 1 parameter instead of 6 per row, and `data` is
   * spliced in as the JSON it already is. Against a multi-row VALUES of 200 rows: PostgreSQL
   * backend ~52 -> 17 µs CPU per row, Galley ~12 -> 8 µs.
   */
  async #insertPostgres(rows: readonly LogRow[]): Promise<void> {
    let json = '[';
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i] as LogRow;
      json +=
        `${i === 0 ? '' : ','}{"id":${JSON.stringify(r.id)},"created":${JSON.stringify(r.created)}` +
        `,"updated":${JSON.stringify(r.updated)},"level":${JSON.stringify(r.level)}` +
        `,"message":${JSON.stringify(r.message)},"data":${r.data}}`;
    }
    await this.db.run(
      `INSERT INTO "_logs" ("id", "created", "updated", "level", "message", "data")
       SELECT "id", "created", "updated", "level", "message", "data" FROM jsonb_to_recordset(?::jsonb)
       AS r("id" TEXT, "created" TEXT, "updated" TEXT, "level" INTEGER, "message" TEXT, "data" JSONB)`,
      [`${json}]`],
    );
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
