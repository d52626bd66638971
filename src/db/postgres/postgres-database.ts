/**
 * The distributed backend: PostgreSQL through a `pg` pool. The driver is imported when a
 * PostgreSQL URL is opened, so SQLite users never load it.
 *
 * Queries outside a transaction borrow a pooled connection for one statement. A transaction takes
 * a dedicated connection for its whole life; calls made in its async context join it. Value
 * parsing is chosen to match what SQLite returns, so domain code sees the same shapes on both:
 * - int8 (COUNT, SUM of ints, BIGINT columns): a number when it is a safe integer, else a bigint;
 * - numeric: a number (Galley's number fields are doubles; exact decimals are not promised);
 * - json/jsonb: the JSON text, not a parsed value (SQLite stores JSON as text);
 * - date/timestamp/timestamptz: the text PostgreSQL prints (Galley stores datetimes as text anyway);
 * - boolean stays boolean (SQLite returns 0/1: compare truthiness, not identity).
 */
import type { Pool, PoolClient, QueryResult } from 'pg';
import { defaultAfterCommitErrorHandler, runAfterCommit } from '../after-commit.js';
import type { AfterCommitErrorHandler, AfterCommitFn } from '../after-commit.js';
import { DatabaseConnectError } from '../database-connect-error.js';
import type { Database, Row, RunResult, SqlParam, Transaction, TransactionOptions } from '../database.js';
import { LruCache } from '../lru-cache.js';
import { TransactionContext } from '../transaction-context.js';
import { rewritePlaceholders } from './placeholders.js';

export interface PostgresDatabaseOptions {
  /** `postgres://user:pass@host:port/db?options=...` */
  url: string;
  /** Pool size. Default 10. */
  maxConnections?: number;
  /** Where failures of afterCommit callbacks are reported. Default: console.error. */
  onAfterCommitError?: AfterCommitErrorHandler;
  /** Connect timeout. Default 5000 ms. */
  connectTimeoutMs?: number;
  /**
   * A pooled connection is closed and replaced once this old (when idle, or when released after
   * its current use). Default 3600 s; 0 keeps connections for ever.
   */
  connectionLifetimeSec?: number;
}

type Executor = Pick<Pool, 'query'> | PoolClient;

/** A statement sent without a name; `arrays`: rows as arrays of values (`allValues`). */
function unnamed(on: Executor, text: string, values: unknown[] | undefined, arrays: boolean): Promise<QueryResult> {
  return arrays ? on.query({ text, values, rowMode: 'array' as const }) : on.query(text, values);
}

/** One SQL text as Galley wrote it, rewritten for PostgreSQL, and its prepared-statement name. */
interface Statement {
  /** The SQL with `$n` placeholders. */
  readonly text: string;
  /** A DML or SELECT short enough to keep prepared on every connection. */
  readonly preparable: boolean;
  /** DDL and anything else that may change what a prepared statement returns. */
  readonly schemaChange: boolean;
  uses: number;
  /** Name on the server, valid for `generation`; undefined: sent unnamed. */
  name: string | undefined;
  generation: number;
}

const SERIALIZATION_FAILURE = '40001';
const DEADLOCK_DETECTED = '40P01';
/** "cached plan must not change result type": a prepared `SELECT *` after its table changed. */
const FEATURE_NOT_SUPPORTED = '0A000';

/**
 * A statement is prepared under a name from its second use on, so one-off SQL (a filter shape seen
 * once) does not occupy a slot on every connection. The limits bound what the connections keep:
 * names per schema generation, and the size of a statement worth keeping.
 */
const PREPARE_AFTER_USES = 2;
const MAX_NAMED_STATEMENTS = 1000;
const MAX_PREPARED_PARAMS = 100;
const MAX_PREPARED_LENGTH = 8000;

export class PostgresDatabase implements Database {
  readonly dialect = 'postgres' as const;

  readonly #pool: Pool;
  readonly #context = new TransactionContext<PostgresTransaction>();
  readonly #statements = new LruCache<string, Statement>(2000);
  /** Bumped by every schema change made through this database: names of older generations are not reused. */
  #generation = 0;
  #namedInGeneration = 0;
  #nextName = 0;
  readonly #onAfterCommitError: AfterCommitErrorHandler;
  #closing: Promise<void> | undefined;

  private constructor(pool: Pool, options: PostgresDatabaseOptions) {
    this.#pool = pool;
    this.#onAfterCommitError = options.onAfterCommitError ?? defaultAfterCommitErrorHandler;
  }

  /**
   * Loads the driver, creates the pool and checks that the server answers, so a wrong URL fails
   * here with a DatabaseConnectError rather than on the first request.
   */
  static async open(options: PostgresDatabaseOptions): Promise<PostgresDatabase> {
    const { default: pg } = await import('pg');
    const base = pg.types;
    const types = {
      getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
        if (format === 'binary') return base.getTypeParser(oid, 'binary');
        switch (oid) {
          case 20: // int8
            return parseInt8;
          case 1700: // numeric
            return Number;
          case 114: // json
          case 3802: // jsonb
          case 1082: // date
          case 1114: // timestamp
          case 1184: // timestamptz
            return identity;
          default:
            return base.getTypeParser(oid, 'text');
        }
      },
    };
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      // Each connection keeps every statement it prepared until it closes, those of earlier
      // schema generations included (up to MAX_NAMED_STATEMENTS each), and its backend's caches
      // grow with the schema: replacing connections hourly bounds both on a long-running node.
      maxLifetimeSeconds: options.connectionLifetimeSec ?? 3600,
      application_name: 'galley',
      types,
      // A statement sent while an earlier one on the same connection is unanswered goes out at once:
      // BEGIN and SAVEPOINT are not waited for before the statement that follows them.
      pipeline: true,
    });
    // An idle pooled connection dropped by the server (restart, idle timeout) must not crash the
    // process; the pool replaces it on next use.
    pool.on('error', (err) => {
      console.warn(`galley: an idle PostgreSQL connection failed: ${err.message}`);
    });
    try {
      await pool.query('SELECT 1');
    } catch (err) {
      await pool.end().catch(() => {});
      throw connectError(options.url, err);
    }
    return new PostgresDatabase(pool, options);
  }

  // ---- Queryable, outside or joining a transaction ----------------------------------------------

  async all<T = Row>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    const tx = this.#context.active();
    if (tx !== undefined) return tx.all<T>(sql, params);
    this.#assertOpen();
    return (await this.query(this.#pool, sql, params)).rows as T[];
  }

  async get<T = Row>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined> {
    const tx = this.#context.active();
    if (tx !== undefined) return tx.get<T>(sql, params);
    this.#assertOpen();
    return (await this.query(this.#pool, sql, params)).rows[0] as T | undefined;
  }

  async allValues(sql: string, params?: readonly SqlParam[]): Promise<unknown[][]> {
    const tx = this.#context.active();
    if (tx !== undefined) return tx.allValues(sql, params);
    this.#assertOpen();
    return (await this.query(this.#pool, sql, params, true)).rows as unknown[][];
  }

  async getValues(sql: string, params?: readonly SqlParam[]): Promise<unknown[] | undefined> {
    const tx = this.#context.active();
    if (tx !== undefined) return tx.getValues(sql, params);
    this.#assertOpen();
    return (await this.query(this.#pool, sql, params, true)).rows[0] as unknown[] | undefined;
  }

  async run(sql: string, params?: readonly SqlParam[]): Promise<RunResult> {
    const tx = this.#context.active();
    if (tx !== undefined) return tx.run(sql, params);
    this.#assertOpen();
    return { changes: (await this.query(this.#pool, sql, params)).rowCount ?? 0 };
  }

  async exec(sql: string): Promise<void> {
    const tx = this.#context.active();
    if (tx !== undefined) return tx.exec(sql);
    this.#assertOpen();
    // No parameters: pg uses the simple query protocol, which accepts several statements.
    await this.schemaChange(this.#pool.query(sql));
  }

  // ---- transactions ------------------------------------------------------------------------------

  currentTransaction(): Transaction | undefined {
    return this.#context.active();
  }

  async transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const current = this.#context.active();
    if (current !== undefined) return current.savepoint(fn);
    this.#assertOpen();
    const serializable = options?.isolation === 'serializable';
    const maxAttempts = serializable ? Math.max(1, options?.maxAttempts ?? 5) : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#attempt(fn, serializable);
      } catch (err) {
        if (attempt >= maxAttempts || !isRetryable(err)) throw err;
        // Jittered exponential backoff so the transactions that collided do not collide again.
        const cap = Math.min(5 * 2 ** attempt, 200);
        await sleep(cap / 2 + Math.random() * (cap / 2));
      }
    }
  }

  async #attempt<T>(fn: (tx: Transaction) => Promise<T>, serializable: boolean): Promise<T> {
    const client = await this.#pool.connect();
    let broken = false;
    let tx: PostgresTransaction;
    let result: T;
    try {
      // Pipelined with the first statement of fn, a round trip earlier. BEGIN fails only with its
      // connection, and then every statement behind it fails too.
      writeTogether(client);
      const begun = client.query(serializable ? 'BEGIN ISOLATION LEVEL SERIALIZABLE' : 'BEGIN');
      begun.catch(() => {});
      tx = new PostgresTransaction(this, client, undefined);
      try {
        result = await this.#context.run(tx, fn);
        tx.live = false;
        // Sent without waiting for BEGIN's or a runLast statement's answer (a transaction of one
        // runLast write is then one round trip). When that statement failed, PostgreSQL answers
        // the COMMIT with a rollback and the statement's error is the transaction's; when BEGIN
        // failed, its error is.
        const committed = client.query('COMMIT');
        committed.catch(() => {});
        await begun;
        const lastFailed = await tx.lastFailure();
        await committed;
        if (lastFailed !== undefined) throw lastFailed;
      } catch (err) {
        tx.live = false;
        try {
          await client.query('ROLLBACK');
        } catch {
          // The connection itself failed; do not return it to the pool.
          broken = true;
        }
        throw (await failure(begun)) ?? err;
      }
    } finally {
      client.release(broken);
    }
    if (tx.callbacks.length > 0) await this.#context.outside(() => runAfterCommit(tx.callbacks, this.#onAfterCommitError));
    return result;
  }

  async close(): Promise<void> {
    this.#closing ??= this.#pool.end();
    return this.#closing;
  }

  // ---- internals used by PostgresTransaction -----------------------------------------------------

  /**
   * @internal Runs one statement with `?` placeholders rewritten (cached per SQL text). A statement
   * used repeatedly runs as a named prepared statement: the server parses and plans it once per
   * connection instead of on every call (pg keeps the names each connection has prepared).
   */
  query(on: Executor, sql: string, params: readonly SqlParam[] | undefined, arrays = false): Promise<QueryResult> {
    let st = this.#statements.get(sql);
    if (st === undefined) {
      st = newStatement(sql);
      this.#statements.set(sql, st);
    }
    const values = params as unknown[] | undefined;
    if (st.schemaChange) return this.schemaChange(unnamed(on, st.text, values, arrays));
    const name = params === undefined || params.length === 0 ? undefined : this.#nameFor(st);
    // Without values pg uses the simple protocol (no parameter types to infer), with them the extended one.
    if (name === undefined) return unnamed(on, st.text, values, arrays);
    return this.#named(on, st, name, params as unknown[], arrays);
  }

  async #named(on: Executor, st: Statement, name: string, values: unknown[], arrays: boolean): Promise<QueryResult> {
    try {
      return await (arrays ? on.query({ name, text: st.text, values, rowMode: 'array' as const }) : on.query({ name, text: st.text, values }));
    } catch (err) {
      if ((err as { code?: unknown }).code !== FEATURE_NOT_SUPPORTED) throw err;
      // Another node changed a table under a prepared statement whose result columns are fixed
      // (a `SELECT *`, a column's type). Every name is dropped, so each connection prepares afresh.
      // Outside a transaction the statement is simply sent again; inside one the transaction is
      // already aborted and fails as on any failed statement, once per node and schema change.
      st.name = undefined;
      st.uses = 0;
      this.#newGeneration();
      if (on !== this.#pool) throw err;
      return unnamed(on, st.text, values, arrays);
    }
  }

  /**
   * @internal Runs a schema change (DDL): statements are prepared afresh after it. A Parse sent once
   * the DDL holds its lock waits for its commit, so renaming when the statement ends is what counts;
   * renaming before too leaves no window in which a statement is prepared on the old shape.
   */
  async schemaChange<T>(run: Promise<T>): Promise<T> {
    this.#newGeneration();
    try {
      return await run;
    } finally {
      this.#newGeneration();
    }
  }

  #newGeneration(): void {
    this.#generation++;
    this.#namedInGeneration = 0;
  }

  #nameFor(st: Statement): string | undefined {
    if (!st.preparable) return undefined;
    if (st.name !== undefined && st.generation === this.#generation) return st.name;
    if (++st.uses < PREPARE_AFTER_USES || this.#namedInGeneration >= MAX_NAMED_STATEMENTS) return undefined;
    this.#namedInGeneration++;
    st.generation = this.#generation;
    st.name = `galley_${++this.#nextName}`;
    return st.name;
  }

  /** @internal */
  runInContext<T>(tx: PostgresTransaction, fn: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.#context.run(tx, fn);
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) throw new Error('The database is closed.');
  }
}

/** A transaction or savepoint on one dedicated connection. */
class PostgresTransaction implements Transaction {
  readonly dialect = 'postgres' as const;
  live = true;
  readonly callbacks: AfterCommitFn[] = [];
  readonly #db: PostgresDatabase;
  readonly #client: PoolClient;
  readonly #parent: PostgresTransaction | undefined;
  readonly #depth: number;
  #savepointQueue: Promise<unknown> = Promise.resolve();
  /** Resolves to the mapped failure of the `runLast` statement, or undefined when it succeeded. */
  #last: Promise<unknown> | undefined;

  constructor(db: PostgresDatabase, client: PoolClient, parent: PostgresTransaction | undefined) {
    this.#db = db;
    this.#client = client;
    this.#parent = parent;
    this.#depth = parent === undefined ? 0 : parent.#depth + 1;
  }

  async all<T = Row>(sql: string, params?: readonly SqlParam[]): Promise<T[]> {
    this.#assertLive();
    return (await this.#db.query(this.#client, sql, params)).rows as T[];
  }

  async get<T = Row>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined> {
    this.#assertLive();
    return (await this.#db.query(this.#client, sql, params)).rows[0] as T | undefined;
  }

  async allValues(sql: string, params?: readonly SqlParam[]): Promise<unknown[][]> {
    this.#assertLive();
    return (await this.#db.query(this.#client, sql, params, true)).rows as unknown[][];
  }

  async getValues(sql: string, params?: readonly SqlParam[]): Promise<unknown[] | undefined> {
    this.#assertLive();
    return (await this.#db.query(this.#client, sql, params, true)).rows[0] as unknown[] | undefined;
  }

  async run(sql: string, params?: readonly SqlParam[]): Promise<RunResult> {
    this.#assertLive();
    return { changes: (await this.#db.query(this.#client, sql, params)).rowCount ?? 0 };
  }

  async exec(sql: string): Promise<void> {
    this.#assertLive();
    await this.#db.schemaChange(this.#client.query(sql));
  }

  afterCommit(fn: AfterCommitFn): void {
    if (!this.live) this.#assertLive();
    this.callbacks.push(fn);
  }

  runLast(sql: string, params?: readonly SqlParam[], mapError: (err: unknown) => unknown = (err) => err): void {
    this.#assertLive();
    // Sent now (the pool pipelines): the commit or release is queued behind it, in the same write.
    writeTogether(this.#client);
    this.#last = this.#db.query(this.#client, sql, params).then(
      () => undefined,
      (err: unknown) => mapError(err) ?? err,
    );
  }

  /** @internal The `runLast` statement's failure (undefined: none, or no such statement). */
  lastFailure(): Promise<unknown> {
    return this.#last ?? Promise.resolve(undefined);
  }

  savepoint<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    // Savepoints opened concurrently on one transaction would interleave; they queue instead.
    const run = this.#savepointQueue.then(() => this.#savepoint(fn));
    this.#savepointQueue = run.catch(() => undefined);
    return run;
  }

  async #savepoint<T>(fn: (tx: Transaction) => Promise<T>): Promise<T> {
    this.#assertLive();
    const name = `galley_sp_${this.#depth + 1}`;
    // Pipelined with fn's first statement. It fails when the transaction is already aborted; then
    // fn's statements fail behind it and the SAVEPOINT's own error is the one reported.
    const opened = this.#client.query(`SAVEPOINT ${name}`);
    opened.catch(() => {});
    const child = new PostgresTransaction(this.#db, this.#client, this);
    try {
      const result = await this.#db.runInContext(child, fn);
      await opened;
      child.live = false;
      const lastFailed = await child.lastFailure();
      if (lastFailed !== undefined) throw lastFailed;
      await this.#client.query(`RELEASE SAVEPOINT ${name}`);
      for (const cb of child.callbacks) this.callbacks.push(cb);
      return result;
    } catch (err) {
      child.live = false;
      const notOpened = await failure(opened);
      if (notOpened !== undefined) throw notOpened;
      // Also clears the "current transaction is aborted" state left by a failed statement.
      await this.#client.query(`ROLLBACK TO SAVEPOINT ${name}`);
      await this.#client.query(`RELEASE SAVEPOINT ${name}`);
      throw err;
    }
  }

  #assertLive(): void {
    if (this.#last !== undefined && this.live) throw new Error('No statement may follow runLast in the same transaction.');
    if (!this.live) {
      throw new Error(
        this.#parent === undefined
          ? 'The transaction has already finished (was a query left running after it returned?).'
          : 'The savepoint has already finished (was a query left running after it returned?).',
      );
    }
  }
}

const DML = /^\s*(?:select|insert|update|delete|with)\b/i;
/**
 * A page (a bound LIMIT or OFFSET) or a count: the best plan depends on the values (how many rows a
 * client's filter selects, how deep the page is). After five runs PostgreSQL may switch a named
 * statement to one generic plan for every value; for a filtered, sorted page that plan walked the
 * sort index through thousands of rows where the value's own plan read a few hundred. Sent unnamed,
 * such a statement is planned for its values on every call, as an unprepared query is.
 */
const PLANNED_PER_VALUE = /\b(?:LIMIT|OFFSET)\s+\$\d|^\s*SELECT\s+COUNT\s*\(/i;
const READ_OR_WRITE = /^\s*(?:select|insert|update|delete|with|values)\b/i;

function newStatement(sql: string): Statement {
  const { text, params } = rewritePlaceholders(sql);
  const preparable =
    params > 0 && params <= MAX_PREPARED_PARAMS && text.length <= MAX_PREPARED_LENGTH && DML.test(text) && !PLANNED_PER_VALUE.test(text);
  return { text, preparable, schemaChange: !READ_OR_WRITE.test(text), uses: 0, name: undefined, generation: -1 };
}

/**
 * Holds the connection's outgoing bytes until this turn's promise jobs have run, so statements
 * pipelined in one turn (BEGIN and the first statement; a runLast statement and the COMMIT)
 * leave in one socket write instead of one each: a write is a system call, and on a small
 * machine those were a large share of a write request's CPU. `pg` corks the same stream around
 * each statement's own messages; corks nest. The nextTick after the current promise jobs always
 * runs, so the stream is never left corked.
 */
function writeTogether(client: PoolClient): void {
  const stream = (client as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
  if (stream?.cork === undefined || stream.uncork === undefined) return;
  stream.cork();
  const uncork = stream.uncork.bind(stream);
  process.nextTick(uncork);
}

/** The error a settled statement failed with, or undefined when it succeeded. */
function failure(statement: Promise<unknown>): Promise<unknown> {
  return statement.then(
    () => undefined,
    (err: unknown) => err ?? new Error('The statement failed.'),
  );
}

function parseInt8(value: string): number | bigint {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : BigInt(value);
}

function identity(value: string): string {
  return value;
}

/** A serialization failure or deadlock anywhere in the error's cause chain (hooks may wrap it). */
function isRetryable(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e !== null && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === SERIALIZATION_FAILURE || code === DEADLOCK_DETECTED) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

function connectError(url: string, err: unknown): DatabaseConnectError {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : 'ECONNECT';
  const detail = typeof e?.message === 'string' && e.message !== '' ? e.message : String(err);
  let where = 'PostgreSQL';
  let database = '';
  try {
    const u = new URL(url);
    where = `PostgreSQL at ${u.hostname || 'localhost'}:${u.port || '5432'}`;
    database = decodeURIComponent(u.pathname.slice(1));
  } catch {
    // Not a URL pg could parse either: the detail says why.
  }
  let message: string;
  switch (code) {
    case 'ECONNREFUSED':
      message = `Cannot connect to ${where}: connection refused. Is the server running?`;
      break;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      message = `Cannot connect to ${where}: unknown host.`;
      break;
    case '3D000':
      message = `Cannot connect to ${where}: database "${database}" does not exist. Create it first (createdb ${database}).`;
      break;
    case '28P01':
    case '28000':
      message = `Cannot connect to ${where}: authentication failed (${detail}).`;
      break;
    default:
      message = `Cannot connect to ${where}: ${detail}`;
  }
  return new DatabaseConnectError(message, code, { cause: err });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
