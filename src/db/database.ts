/**
 * The one interface every storage backend implements (SQLite, PostgreSQL). Domain code writes SQL
 * against it with `?` placeholders and double-quoted identifiers; each backend adapts placeholders,
 * parameter types (booleans) and locking to its engine. Nothing above `db/` imports a driver.
 */

export type Dialect = 'sqlite' | 'postgres';

export type SqlParam = string | number | bigint | boolean | null | Uint8Array;

export type Row = Record<string, unknown>;

export interface RunResult {
  /** Rows inserted, updated or deleted by the statement. */
  changes: number;
}

export interface Queryable {
  readonly dialect: Dialect;
  /** All rows of a query. */
  all<T = Row>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  /** The first row, or undefined. */
  get<T = Row>(sql: string, params?: readonly SqlParam[]): Promise<T | undefined>;
  /**
   * `all`, each row as the array of its values in select order: no object with the column names
   * per row (SQLite's driver internalizes every name of every row it returns as an object).
   */
  allValues(sql: string, params?: readonly SqlParam[]): Promise<unknown[][]>;
  /** `get`, the row as the array of its values in select order. */
  getValues(sql: string, params?: readonly SqlParam[]): Promise<unknown[] | undefined>;
  /** A statement that returns no rows (INSERT/UPDATE/DELETE/DDL with params). */
  run(sql: string, params?: readonly SqlParam[]): Promise<RunResult>;
  /** Several statements separated by `;`, no parameters (schema scripts). */
  exec(sql: string): Promise<void>;
}

export type IsolationLevel = 'default' | 'serializable';

export interface TransactionOptions {
  /**
   * `default`: SQLite's single writer (already serial); PostgreSQL READ COMMITTED, where code that
   * checks then writes must lock rows (`SELECT ... FOR UPDATE`) or use guarded updates.
   * `serializable`: PostgreSQL SERIALIZABLE, retried on serialization failures (40001, 40P01).
   */
  isolation?: IsolationLevel;
  /** Attempts for `serializable` before the error is raised. Default 5. */
  maxAttempts?: number;
}

export interface Transaction extends Queryable {
  /** Runs once after COMMIT succeeds, never after a rollback (realtime events, job wake-ups). */
  afterCommit(fn: () => void | Promise<void>): void;
  /** A nested unit: a SAVEPOINT that is rolled back alone if `fn` throws. */
  savepoint<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
  /**
   * A write whose answer nothing in the transaction waits for, as the transaction's last
   * statement: it is sent now and the commit waits for it. On PostgreSQL the COMMIT goes out right
   * behind it, a round trip earlier; SQLite runs it at once and throws there. When it fails the
   * transaction rolls back and fails with `mapError(err)` (default: the error itself). Statements
   * after it in the same transaction or savepoint are refused (on PostgreSQL they would fail in its
   * place); after-commit callbacks may still be added.
   */
  runLast(sql: string, params?: readonly SqlParam[], mapError?: (err: unknown) => unknown): void;
}

export interface Database extends Queryable {
  /**
   * Runs `fn` in a transaction: COMMIT if it resolves, ROLLBACK if it throws (the error is
   * rethrown). Calls to this Database made inside `fn`'s async context join the transaction, so
   * hooks that only see `app.db` cannot deadlock on SQLite's single writer.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** The transaction of the current async context, if any. */
  currentTransaction(): Transaction | undefined;
  close(): Promise<void>;
}
