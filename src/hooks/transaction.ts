/**
 * `app.transaction(async (tx) => ...)` (docs/transactions.md): one database transaction in which
 * record reads and writes (through RecordService, without API rules, so hooks and validation run),
 * raw parameterised SQL, record hooks and job enqueues all commit or roll back together. Everything
 * joins through the Database's async context, so `app.jobs.enqueue` and `app.records.*` called
 * inside `fn` are part of it too.
 */
import { apiError, isApiError } from '../core/errors.js';
import type { Collection } from '../core/schema.js';
import type { Database, Queryable, RunResult, Row, SqlParam, Transaction, TransactionOptions } from '../db/database.js';
import { SYSTEM_CONTEXT } from '../auth/system-context.js';
import type { CollectionService } from '../records/collection-service.js';
import { discardUploadsOnRollback } from '../records/discard-uploads-on-rollback.js';
import type { ListOptions, ListResult, RecordJson, RecordService, WriteOptions } from '../records/record-service.js';
import { nowDatetime } from '../records/record-validator.js';
import { quoteIdent } from '../records/sql-tokens.js';

export interface GuardOptions {
  /** The update only happens while the new value stays >= min. */
  min?: number;
  /** The update only happens while the new value stays <= max. */
  max?: number;
}

/**
 * Options of `tx.records.create/update`: `files` are uploads for file fields, the same input
 * `app.records.create/update` take (build one from bytes with `incomingFileFromBytes`). They are
 * checked like multipart parts, stored before the write, and deleted again if the transaction rolls back.
 */
export type TxWriteOptions = Pick<WriteOptions, 'files'>;

/** Record access inside a transaction, as a superuser: no API rules, but validation and hooks run. */
export interface TxRecords {
  /** One record, or undefined. `forUpdate` locks its row until the transaction ends (PostgreSQL). */
  get(collection: string, id: string, options?: { forUpdate?: boolean; expand?: string }): Promise<RecordJson | undefined>;
  list(collection: string, options?: ListOptions): Promise<ListResult>;
  create(collection: string, body: Record<string, unknown>, options?: TxWriteOptions): Promise<RecordJson>;
  /** `body` takes PocketBase's modifiers: `'docs-': [name]` removes files, uploads keyed `docs+` append. */
  update(collection: string, id: string, body: Record<string, unknown>, options?: TxWriteOptions): Promise<RecordJson>;
  delete(collection: string, id: string): Promise<void>;
  /**
   * Guarded conditional update `field = field + by` in one statement, applied only while the
   * result stays within `min`/`max`. Returns false (nothing changed) when it would leave them or
   * the record does not exist. Safe under any concurrency on both databases without a lock.
   */
  increment(collection: string, id: string, field: string, by: number, guard?: GuardOptions): Promise<boolean>;
  /** `increment` by `-by`. `decrement('products', id, 'stock', 1, { min: 0 })` never oversells. */
  decrement(collection: string, id: string, field: string, by: number, guard?: GuardOptions): Promise<boolean>;
}

export interface AppTransaction extends Queryable {
  readonly records: TxRecords;
  /** Runs after the outermost COMMIT, never after a rollback. */
  afterCommit(fn: () => void | Promise<void>): void;
  /** The underlying transaction (savepoints). */
  readonly raw: Transaction;
}

export interface AppTransactionOptions extends TransactionOptions {}

export interface TransactionDeps {
  db: Database;
  records: RecordService;
  collections: CollectionService;
}

/**
 * Outermost app transactions on PostgreSQL queue here for one of a few permits before asking the
 * pool for a connection: a burst (500 checkouts of one product) waits its turn in order instead of
 * failing on the pool's connect timeout, and leaves connections free for ordinary requests.
 * SQLite needs none (its single writer already queues them).
 */
export const PG_TRANSACTION_PERMITS = 6;

class Permits {
  #free: number;
  readonly #queue: Array<() => void> = [];
  constructor(n: number) {
    this.#free = n;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#queue.push(resolve));
    try {
      return await fn();
    } finally {
      const next = this.#queue.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

const permitsByDb = new WeakMap<Database, Permits>();

export function runTransaction<T>(deps: TransactionDeps, fn: (tx: AppTransaction) => Promise<T>, options: AppTransactionOptions = {}): Promise<T> {
  const { db } = deps;
  // Uploads stored by record writes in `fn` are deleted again if it rolls back.
  const run = (): Promise<T> => discardUploadsOnRollback(db, (attempt) => db.transaction((tx) => attempt(tx, () => fn(appTransaction(deps, tx))), options));
  if (db.dialect !== 'postgres' || db.currentTransaction() !== undefined) return run();
  let permits = permitsByDb.get(db);
  if (!permits) permitsByDb.set(db, (permits = new Permits(PG_TRANSACTION_PERMITS)));
  return permits.run(run);
}

function appTransaction(deps: TransactionDeps, tx: Transaction): AppTransaction {
  return {
    dialect: tx.dialect,
    all: <T = Row>(sql: string, params?: readonly SqlParam[]) => tx.all<T>(sql, params),
    get: <T = Row>(sql: string, params?: readonly SqlParam[]) => tx.get<T>(sql, params),
    allValues: (sql: string, params?: readonly SqlParam[]) => tx.allValues(sql, params),
    getValues: (sql: string, params?: readonly SqlParam[]) => tx.getValues(sql, params),
    run: (sql: string, params?: readonly SqlParam[]): Promise<RunResult> => tx.run(sql, params),
    exec: (sql: string) => tx.exec(sql),
    afterCommit: (fn) => tx.afterCommit(fn),
    raw: tx,
    records: txRecords(deps, tx),
  };
}

function txRecords(deps: TransactionDeps, tx: Transaction): TxRecords {
  const { records, collections } = deps;
  const increment = async (collection: string, id: string, field: string, by: number, guard: GuardOptions = {}): Promise<boolean> => {
    if (!Number.isFinite(by)) throw new TypeError('increment: `by` must be a finite number');
    const c = await writableCollection(collections, collection);
    const f = c.fields.find((x) => x.name === field);
    if (f === undefined || f.type !== 'number') throw new TypeError(`increment: ${c.name}.${field} is not a number field`);
    const col = quoteIdent(field);
    const sets = [`${col} = ${col} + ?`, '"_version" = "_version" + 1'];
    const setParams: SqlParam[] = [by];
    for (const af of c.fields) {
      if (af.type === 'autodate' && af.onUpdate) {
        sets.push(`${quoteIdent(af.name)} = ?`);
        setParams.push(nowDatetime());
      }
    }
    const where = ['"id" = ?'];
    const whereParams: SqlParam[] = [id];
    if (guard.min !== undefined) {
      where.push(`${col} + ? >= ?`);
      whereParams.push(by, guard.min);
    }
    if (guard.max !== undefined) {
      where.push(`${col} + ? <= ?`);
      whereParams.push(by, guard.max);
    }
    const res = await tx.run(`UPDATE ${quoteIdent(c.name)} SET ${sets.join(', ')} WHERE ${where.join(' AND ')}`, [...setParams, ...whereParams]);
    if (res.changes !== 1) return false;
    // Realtime subscribers (a cart, a stock counter) see the new value once the transaction commits.
    records.emitUpdated(tx, c, id);
    return true;
  };
  return {
    async get(collection, id, options = {}) {
      if (options.forUpdate && tx.dialect === 'postgres') {
        const c = await writableCollection(collections, collection);
        await tx.get(`SELECT 1 AS "x" FROM ${quoteIdent(c.name)} WHERE "id" = ? FOR UPDATE`, [id]);
      }
      try {
        const opts = options.expand === undefined ? {} : { expand: options.expand };
        return (await records.view(collection, id, opts, SYSTEM_CONTEXT)).record;
      } catch (err) {
        if (isApiError(err) && err.code === 'not_found') return undefined;
        throw err;
      }
    },
    list: (collection, options = {}) => records.list(collection, options, SYSTEM_CONTEXT),
    create: async (collection, body, options = {}) => (await records.create(collection, body, writeOptions(options), SYSTEM_CONTEXT)).record,
    update: async (collection, id, body, options = {}) => (await records.update(collection, id, body, writeOptions(options), SYSTEM_CONTEXT)).record,
    delete: (collection, id) => records.delete(collection, id, {}, SYSTEM_CONTEXT),
    increment,
    decrement: (collection, id, field, by, guard) => increment(collection, id, field, -by, guard),
  };
}

/** Only the options `tx.records` documents reach the record layer (a JS caller may pass more). */
function writeOptions(options: TxWriteOptions): WriteOptions {
  return options.files === undefined ? {} : { files: options.files };
}

async function writableCollection(collections: CollectionService, nameOrId: string): Promise<Collection> {
  const c = await collections.findFresh(nameOrId);
  if (c === undefined) throw apiError('collection_not_found');
  if (c.type === 'view') throw apiError('view_readonly');
  return c;
}
