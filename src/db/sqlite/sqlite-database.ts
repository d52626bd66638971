/**
 * The embedded backend: better-sqlite3 on one file in WAL mode.
 *
 * SQLite allows one writer at a time. An `async` transaction (hooks may await) holds the single
 * write connection from `BEGIN IMMEDIATE` to `COMMIT`, behind a fair mutex so writers queue in
 * order. Reads outside a transaction go to a second, read-only connection: in WAL mode they see
 * the last committed state and are never blocked by the open write transaction.
 *
 * better-sqlite3 is synchronous; small indexed statements take microseconds, so running them on the
 * event loop is cheaper than any thread hop. The read path is: context lookup, statement-cache hit,
 * execute.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { BetterSqlite3Driver } from './better-sqlite3-driver.js';
import { AsyncMutex } from '../../lib/async-mutex.js';
import { defaultAfterCommitErrorHandler, runAfterCommit } from '../after-commit.js';
import type { AfterCommitErrorHandler, AfterCommitFn } from '../after-commit.js';
import type { Database, Row, RunResult, SqlParam, Transaction, TransactionOptions } from '../database.js';
import { LruCache } from '../lru-cache.js';
import { TransactionContext } from '../transaction-context.js';

type Connection = BetterSqlite3.Database;
type Statement = BetterSqlite3.Statement<unknown[], unknown>;

export interface SqliteDatabaseOptions {
  /** Path of the database file (its folder is created), or `:memory:` (one connection, tests only). */
  file: string;
  /**
   * `NORMAL` (default): with WAL, a committed transaction survives a process crash; the last
   * transactions may be lost on power loss or OS crash. `FULL`: fsync on every commit, survives
   * power loss too, slower writes.
   */
  synchronous?: 'NORMAL' | 'FULL';
  /** How long a write waits for another process holding the write lock before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /**
   * SQLite's page cache per connection, in KiB. Default 16000: the hot pages of a mid-sized app
   * stay in memory, as the benchmark baseline's do. An append-only file (the logs) needs little.
   */
  pageCacheKib?: number;
  /** Prepared statements kept per connection. Default 500. */
  statementCacheSize?: number;
  /** Where failures of afterCommit callbacks are reported. Default: console.error. */
  onAfterCommitError?: AfterCommitErrorHandler;
  /** How often `PRAGMA optimize` refreshes query-planner statistics while open. Default 3 h; 0 disables. */
  optimizeIntervalMs?: number;
}

/** The `code` of the error raised when another process keeps the write lock past busyTimeoutMs. */
export const SQLITE_BUSY = 'SQLITE_BUSY';

// Each retry of a lock wait blocks the event loop for at most this long inside SQLite; the rest
// of busyTimeoutMs is waited asynchronously so the server keeps serving reads meanwhile.
const SYNC_BUSY_SLICE_MS = 20;

export class SqliteDatabase implements Database {
  readonly dialect = 'sqlite' as const;
  readonly file: string;

  readonly #writer: Connection;
  #reader: Connection;
  readonly #file: string;
  readonly #writeStatements: LruCache<string, Statement>;
  readonly #readStatements: LruCache<string, Statement>;
  readonly #mutex = new AsyncMutex();
  readonly #context = new TransactionContext<SqliteTransaction>();
  readonly #busyTimeoutMs: number;
  readonly #pageCacheKib: number;
  readonly #onAfterCommitError: AfterCommitErrorHandler;
  #closing: Promise<void> | undefined;
  #optimizeTimer: NodeJS.Timeout | undefined;

  constructor(options: SqliteDatabaseOptions) {
    this.file = options.file;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.#pageCacheKib = Math.max(0, Math.floor(options.pageCacheKib ?? 16000));
    this.#onAfterCommitError = options.onAfterCommitError ?? defaultAfterCommitErrorHandler;
    const cacheSize = options.statementCacheSize ?? 500;
    this.#writeStatements = new LruCache(cacheSize);
    this.#readStatements = new LruCache(cacheSize);

    const memory = options.file === ':memory:' || options.file === '';
    if (!memory) mkdirSync(dirname(options.file), { recursive: true });
    this.#writer = new BetterSqlite3Driver(options.file);
    try {
      // Opening may meet another process's write lock (a CLI command while the server writes):
      // wait for it in full here, blocking is acceptable at startup; later waits are sliced.
      this.#writer.pragma(`busy_timeout = ${this.#busyTimeoutMs}`);
      if (!memory) {
        const mode = this.#writer.pragma('journal_mode = WAL', { simple: true });
        if (String(mode).toLowerCase() !== 'wal') throw new Error(`cannot enable WAL mode on ${options.file} (got ${String(mode)})`);
      }
      this.#writer.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
      this.#writer.pragma('foreign_keys = ON');
      this.#writer.pragma(`busy_timeout = ${SYNC_BUSY_SLICE_MS}`);
      // Most API reads run here (see #read), so its cache, not only the reader's, is the app's.
      this.#writer.pragma(`cache_size = -${this.#pageCacheKib}`);
      // Analyse tables whose statistics are stale, as SQLite recommends at open for long-lived
      // connections. Only an optimisation: skipped when another process holds the write lock.
      try {
        this.#writer.pragma('optimize = 0x10002');
      } catch (err) {
        if (!isBusy(err)) throw err;
      }
      this.#file = options.file;
      this.#reader = memory ? this.#writer : this.#openReader();
    } catch (err) {
      this.#writer.close();
      throw err;
    }
    const interval = options.optimizeIntervalMs ?? 3 * 60 * 60 * 1000;
    if (interval > 0) {
      this.#optimizeTimer = setInterval(() => this.#optimize(), interval);
      this.#optimizeTimer.unref();
    }
  }

  // ---- Queryable, outside or joining a transaction ----------------------------------------------

  all<T = Row>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    return this.#read(sql, params, allOn<T>);
  }

  get<T = Row>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined> {
    return this.#read(sql, params, getOn<T>);
  }

  allValues(sql: string, params?: readonly SqlParam[]): Promise<unknown[][]> {
    return this.#read(sql, params, allValuesOn);
  }

  getValues(sql: string, params?: readonly SqlParam[]): Promise<unknown[] | undefined> {
    return this.#read(sql, params, getValuesOn);
  }

  /**
   * A read in the current transaction when there is one. Else on the writer connection while it
   * holds no transaction, and on the reader connection while one is open (its uncommitted rows
   * must not be seen). The writer first: a write by one connection empties the page cache of the
   * other at its next read (WAL), so a reader used after every write re-reads its pages from the
   * OS, while the writer's cache stays warm. A statement that writes (RETURNING) goes to the
   * writer, queued behind other writes.
   */
  #read<R>(sql: string, params: readonly SqlParam[] | undefined, on: ReadOn<R>): Promise<R> {
    const tx = this.#context.active();
    if (tx !== undefined) return tx.read(sql, params, on);
    try {
      const stmt = this.#writeStatement(sql);
      if (!stmt.readonly) return this.#writeOutside(() => on(stmt, params));
      if (!this.#writer.inTransaction) {
        // Synchronous: nothing else can use the writer before the read returns. The writer waits
        // for locks only in short slices; the rare read that meets one (another process
        // recovering the WAL) goes to the reader, which waits the whole busy timeout.
        try {
          return Promise.resolve(on(stmt, params));
        } catch (err) {
          if (!isBusy(err)) throw err;
        }
      }
      return Promise.resolve(on(this.#readStatement(sql), params));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  run(sql: string, params?: readonly SqlParam[]): Promise<RunResult> {
    const tx = this.#context.active();
    if (tx !== undefined) return tx.run(sql, params);
    return this.#writeOutside(() => runOn(this.#writeStatement(sql), params));
  }

  exec(sql: string): Promise<void> {
    const tx = this.#context.active();
    if (tx !== undefined) return tx.exec(sql);
    // One transaction around the script, as PostgreSQL runs a multi-statement query: all or
    // nothing, and a lock wait is only ever retried at BEGIN, never halfway through the script.
    return this.#writeOutside(
      () => {
        this.#writer.exec('BEGIN IMMEDIATE');
      },
      () => {
        try {
          this.#writer.exec(sql);
          this.#writer.exec('COMMIT');
        } catch (err) {
          if (this.#writer.inTransaction) this.#writer.exec('ROLLBACK');
          throw err;
        }
      },
    );
  }

  // ---- transactions ------------------------------------------------------------------------------

  currentTransaction(): Transaction | undefined {
    return this.#context.active();
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>, _options?: TransactionOptions): Promise<T> {
    // SQLite's single writer is already serializable, so `isolation` needs nothing here.
    const current = this.#context.active();
    if (current !== undefined) return current.savepoint(fn);
    this.#assertOpen();

    const release = await this.#mutex.acquire();
    let tx: SqliteTransaction;
    let result: T;
    try {
      this.#assertOpen();
      await this.#withBusyRetry(() => this.#control('BEGIN IMMEDIATE'));
      tx = new SqliteTransaction(this, undefined);
      try {
        result = await this.#context.run(tx, fn);
        tx.live = false;
        this.#control('COMMIT');
      } catch (err) {
        tx.live = false;
        // A failed COMMIT or statement may already have ended the transaction (SQLITE_FULL, IOERR).
        if (this.#writer.inTransaction) this.#control('ROLLBACK');
        throw err;
      }
    } finally {
      release();
    }
    // Outside the transaction's context: a callback that queries sees committed data, not a dead tx.
    if (tx.callbacks.length > 0) await this.#context.outside(() => runAfterCommit(tx.callbacks, this.#onAfterCommitError));
    return result;
  }

  async close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  /** Refreshes planner statistics when the writer is idle; skipped (not queued) when it is busy. */
  #optimize(): void {
    const release = this.#mutex.tryAcquire();
    if (release === undefined) return;
    try {
      if (!this.#writer.open) return;
      // 0x10000: consider every table, not only those this connection has read (reads made during
      // transactions go through the reader).
      this.#writer.pragma('optimize = 0x10002');
      // A connection reads sqlite_stat1 only when it loads the schema, and ANALYZE does not make
      // other connections reload it: a fresh reader (every few hours) plans with the new stats.
      if (this.#reader !== this.#writer) this.#reopenReader();
    } catch {
      // Statistics are an optimisation: a busy or failing refresh is retried next time.
    } finally {
      release();
    }
  }

  async #close(): Promise<void> {
    clearInterval(this.#optimizeTimer);
    // Wait for the transaction in progress and every queued writer, then close.
    const release = await this.#mutex.acquire();
    try {
      if (!this.#writer.open) return;
      try {
        // The same mask as at open: the default one limits the analysis, and a limited ANALYZE
        // of a grown table drops its sqlite_stat4 samples, after which SQLite planned a filtered,
        // sorted list as a scan of the sort index (~15x slower in the benchmark).
        this.#writer.pragma('optimize = 0x10002');
      } catch {
        // Statistics are an optimisation; failing to refresh them must not fail shutdown.
      }
      this.#writeStatements.clear();
      this.#readStatements.clear();
      if (this.#reader !== this.#writer) this.#reader.close();
      this.#writer.close();
    } finally {
      release();
    }
  }

  // ---- internals used by SqliteTransaction --------------------------------------------------------

  /** @internal */
  writeStatement(sql: string): Statement {
    return this.#writeStatement(sql);
  }

  /** @internal */
  control(sql: string): void {
    this.#control(sql);
  }

  /**
   * BEGIN / COMMIT / SAVEPOINT ... as cached prepared statements: `exec` compiles its text on every
   * call, which was ~5 % of a record create.
   */
  #control(sql: string): void {
    this.#writeStatement(sql).run();
  }

  /** @internal */
  get writer(): Connection {
    return this.#writer;
  }

  /** @internal */
  runInContext<T>(tx: SqliteTransaction, fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.#context.run(tx, fn);
  }

  #assertOpen(): void {
    if (this.#closing !== undefined || !this.#writer.open) throw closedError();
  }

  #openReader(): Connection {
    const reader = new BetterSqlite3Driver(this.#file, { readonly: true });
    reader.pragma(`busy_timeout = ${this.#busyTimeoutMs}`);
    reader.pragma('foreign_keys = ON');
    // Reads outside a transaction go here while the writer holds one (see #read).
    reader.pragma(`cache_size = -${this.#pageCacheKib}`);
    return reader;
  }

  /** Reads are synchronous, so between two of them no statement of the old reader is running. */
  #reopenReader(): void {
    const fresh = this.#openReader();
    const old = this.#reader;
    this.#readStatements.clear();
    this.#reader = fresh;
    old.close();
  }

  #writeStatement(sql: string): Statement {
    let stmt = this.#writeStatements.get(sql);
    if (stmt === undefined) {
      // Not #assertOpen: the transaction that close() is waiting for may still prepare statements.
      if (!this.#writer.open) throw closedError();
      stmt = this.#writer.prepare(sql);
      this.#writeStatements.set(sql, stmt);
    }
    return stmt;
  }

  /** The cached read-connection statement (for SQL that does not write: #read checks on the writer first). */
  #readStatement(sql: string): Statement {
    let stmt = this.#readStatements.get(sql);
    if (stmt === undefined) {
      if (!this.#reader.open) throw closedError();
      stmt = this.#reader.prepare(sql);
      this.#readStatements.set(sql, stmt);
    }
    return stmt;
  }

  /** A write outside any transaction: autocommit on the writer, queued behind open transactions. */
  #writeOutside<T>(fn: () => T, then?: () => T): Promise<T> {
    // Fast path: the writer is idle (tryAcquire never barges past queued waiters), so the statement
    // runs now, without the promise hops of queueing.
    const release = this.#mutex.tryAcquire();
    if (release === undefined) return this.#writeQueued(fn, then);
    let result: T;
    try {
      this.#assertOpen();
      result = fn();
    } catch (err) {
      // Another process holds SQLite's lock: keep our mutex and wait for theirs asynchronously.
      if (isBusy(err)) return this.#finishHolding(release, fn, then);
      release();
      return Promise.reject(err);
    }
    try {
      return Promise.resolve(then === undefined ? result : then());
    } catch (err) {
      return Promise.reject(err);
    } finally {
      release();
    }
  }

  async #writeQueued<T>(fn: () => T, then?: () => T): Promise<T> {
    return this.#finishHolding(await this.#mutex.acquire(), fn, then);
  }

  async #finishHolding<T>(release: () => void, fn: () => T, then?: () => T): Promise<T> {
    try {
      this.#assertOpen();
      const result = await this.#withBusyRetry(fn);
      return then === undefined ? result : then();
    } finally {
      release();
    }
  }

  /**
   * Retries `fn` while another process holds the write lock, up to busyTimeoutMs in total. Each
   * attempt blocks for at most SYNC_BUSY_SLICE_MS inside SQLite; between attempts the event loop runs.
   * Only statements that fail as a whole on SQLITE_BUSY (BEGIN, autocommit writes) come here.
   */
  async #withBusyRetry<T>(fn: () => T): Promise<T> {
    const deadline = Date.now() + this.#busyTimeoutMs;
    let delay = 1;
    for (;;) {
      try {
        return fn();
      } catch (err) {
        if (!isBusy(err)) throw err;
        if (Date.now() >= deadline) throw busyError(this.file, this.#busyTimeoutMs, err);
        await sleep(delay + Math.random() * delay);
        delay = Math.min(delay * 2, 50);
      }
    }
  }
}

/** A transaction or savepoint on the write connection. */
class SqliteTransaction implements Transaction {
  readonly dialect = 'sqlite' as const;
  /** False once COMMIT/ROLLBACK (or RELEASE/ROLLBACK TO for a savepoint) has run. */
  live = true;
  readonly callbacks: AfterCommitFn[] = [];
  readonly #db: SqliteDatabase;
  readonly #parent: SqliteTransaction | undefined;
  // Savepoints opened concurrently on one transaction would interleave; they queue instead.
  #savepointMutex: AsyncMutex | undefined;
  #depth: number;
  #ranLast = false;

  constructor(db: SqliteDatabase, parent: SqliteTransaction | undefined) {
    this.#db = db;
    this.#parent = parent;
    this.#depth = parent === undefined ? 0 : parent.#depth + 1;
  }

  all<T = Row>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    return this.read(sql, params, allOn<T>);
  }

  get<T = Row>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined> {
    return this.read(sql, params, getOn<T>);
  }

  allValues(sql: string, params?: readonly SqlParam[]): Promise<unknown[][]> {
    return this.read(sql, params, allValuesOn);
  }

  getValues(sql: string, params?: readonly SqlParam[]): Promise<unknown[] | undefined> {
    return this.read(sql, params, getValuesOn);
  }

  /** @internal A read on the transaction's connection (also for `db` reads joining it). */
  read<R>(sql: string, params: readonly SqlParam[] | undefined, on: ReadOn<R>): Promise<R> {
    try {
      this.#assertLive();
      return Promise.resolve(on(this.#db.writeStatement(sql), params));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  run(sql: string, params?: readonly SqlParam[]): Promise<RunResult> {
    try {
      this.#assertLive();
      return Promise.resolve(runOn(this.#db.writeStatement(sql), params));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  exec(sql: string): Promise<void> {
    try {
      this.#assertLive();
      this.#db.writer.exec(sql);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  afterCommit(fn: AfterCommitFn): void {
    if (!this.live) this.#assertLive();
    this.callbacks.push(fn);
  }

  runLast(sql: string, params?: readonly SqlParam[], mapError: (err: unknown) => unknown = (err) => err): void {
    this.#assertLive();
    try {
      runOn(this.#db.writeStatement(sql), params);
    } catch (err) {
      throw mapError(err) ?? err;
    }
    this.#ranLast = true;
  }

  async savepoint<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    this.#assertLive();
    this.#savepointMutex ??= new AsyncMutex();
    const release = await this.#savepointMutex.acquire();
    try {
      this.#assertLive();
      const sql = savepointSql(this.#depth + 1);
      const writer = this.#db.writer;
      this.#db.control(sql.begin);
      const child = new SqliteTransaction(this.#db, this);
      try {
        const result = await this.#db.runInContext(child, fn);
        child.live = false;
        this.#db.control(sql.release);
        for (const cb of child.callbacks) this.callbacks.push(cb);
        return result;
      } catch (err) {
        child.live = false;
        if (writer.inTransaction) {
          this.#db.control(sql.rollback);
          this.#db.control(sql.release);
        }
        throw err;
      }
    } finally {
      release();
    }
  }

  #assertLive(): void {
    // Refused as on PostgreSQL, where such a statement would be sent after the commit's.
    if (this.#ranLast && this.live) throw new Error('No statement may follow runLast in the same transaction.');
    if (!this.live) {
      throw new Error(
        this.#parent === undefined
          ? 'The transaction has already finished (was a query left running after it returned?).'
          : 'The savepoint has already finished (was a query left running after it returned?).',
      );
    }
  }
}

interface SavepointSql {
  begin: string;
  release: string;
  rollback: string;
}

// The same string objects every time: the statement cache then finds them without hashing new text.
const savepointTexts: SavepointSql[] = [];

function savepointSql(depth: number): SavepointSql {
  let sql = savepointTexts[depth];
  if (sql === undefined) {
    const name = `galley_sp_${depth}`;
    sql = { begin: `SAVEPOINT ${name}`, release: `RELEASE ${name}`, rollback: `ROLLBACK TO ${name}` };
    if (depth < 64) savepointTexts[depth] = sql;
  }
  return sql;
}

// ---- statement execution ---------------------------------------------------------------------

/** One way of reading a statement's result: rows, the first row, as objects or as values. */
type ReadOn<R> = (stmt: Statement, params: readonly SqlParam[] | undefined) => R;

function allOn<T>(stmt: Statement, params: readonly SqlParam[] | undefined): T[] {
  if (!stmt.reader) {
    // `all` on a statement that returns nothing (UPDATE without RETURNING) runs it and returns no rows.
    stmt.run(bindable(params));
    return [];
  }
  return stmt.all(bindable(params)) as T[];
}

function getOn<T>(stmt: Statement, params: readonly SqlParam[] | undefined): T | undefined {
  if (!stmt.reader) {
    stmt.run(bindable(params));
    return undefined;
  }
  return stmt.get(bindable(params)) as T | undefined;
}

// A cached statement serves both shapes: raw mode is switched on for the one call (a flag on the
// statement, ~50 ns), so the cache needs no second entry per text.
function allValuesOn(stmt: Statement, params: readonly SqlParam[] | undefined): unknown[][] {
  if (!stmt.reader) {
    stmt.run(bindable(params));
    return [];
  }
  stmt.raw(true);
  try {
    return stmt.all(bindable(params)) as unknown[][];
  } finally {
    stmt.raw(false);
  }
}

function getValuesOn(stmt: Statement, params: readonly SqlParam[] | undefined): unknown[] | undefined {
  if (!stmt.reader) {
    stmt.run(bindable(params));
    return undefined;
  }
  stmt.raw(true);
  try {
    return stmt.get(bindable(params)) as unknown[] | undefined;
  } finally {
    stmt.raw(false);
  }
}

function runOn(stmt: Statement, params: readonly SqlParam[] | undefined): RunResult {
  return { changes: stmt.run(bindable(params)).changes };
}

const NO_PARAMS: unknown[] = [];

/**
 * SQLite has no boolean type: bind true/false as 1/0. `undefined` (from untyped hook code) binds as
 * NULL, as `pg` does. Copies the array only when it holds such a value.
 */
function bindable(params: readonly SqlParam[] | undefined): unknown[] {
  if (params === undefined || params.length === 0) return NO_PARAMS;
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    if (typeof p === 'boolean' || p === undefined) return params.map(toSqlite);
  }
  return params as unknown[];
}

function toSqlite(p: SqlParam | undefined): unknown {
  return typeof p === 'boolean' ? (p ? 1 : 0) : p === undefined ? null : p;
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_BUSY' || code.startsWith('SQLITE_BUSY_'));
}

function busyError(file: string, waitedMs: number, cause: unknown): Error {
  const err = new Error(
    `The SQLite database ${file} is locked by another process (waited ${waitedMs} ms for its write lock). ` +
      'Is another galley command writing to the same data directory?',
    { cause },
  );
  (err as Error & { code: string }).code = SQLITE_BUSY;
  return err;
}

function closedError(): Error {
  return new Error('The database is closed.');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
