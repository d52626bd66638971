/** The baseline's SQLite storage: one better-sqlite3 connection, every statement prepared at start. */
import type BetterSqlite3 from 'better-sqlite3';
import { BetterSqlite3Driver as Database } from '../../src/db/sqlite/better-sqlite3-driver.js';
import { ORDER_SQL, POST_COLUMNS, USER_COLUMNS_SQL } from './store.js';
import type { ListQuery, Order, PostRecord, Store, UserRecord } from './store.js';

// `@request.auth.id` is bound as a parameter: '' for guests, as PocketBase binds it.
const RULE = '("published" = 1 OR "owner" = ?)';

export class SqliteStore implements Store {
  readonly #db: BetterSqlite3.Database;
  readonly #view: BetterSqlite3.Statement<[string, string], PostRecord>;
  // One statement per (filtered?, order) shape: no SQL text per request.
  readonly #listFiltered = {} as Record<Order, BetterSqlite3.Statement<[number, string, number, number], PostRecord>>;
  readonly #listAll = {} as Record<Order, BetterSqlite3.Statement<[string, number, number], PostRecord>>;
  readonly #countFiltered: BetterSqlite3.Statement<[number, string], { n: number }>;
  readonly #countAll: BetterSqlite3.Statement<[string], { n: number }>;
  readonly #userById: BetterSqlite3.Statement<[string], UserRecord>;
  readonly #userByEmail: BetterSqlite3.Statement<[string], UserRecord>;
  readonly #usersByIds: BetterSqlite3.Statement<[string], UserRecord>;
  readonly #insert: BetterSqlite3.Statement<unknown[]>;
  readonly #addViews: BetterSqlite3.Statement<[number, string, string, string], PostRecord>;
  readonly #insertAll: (rows: readonly PostRecord[]) => void;

  constructor(file: string) {
    const db = new Database(file);
    this.#db = db;
    // Galley's writer settings: WAL, synchronous NORMAL; and the reader's 16 MB page cache.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.pragma('cache_size = -16000');
    this.#view = db.prepare(`SELECT ${POST_COLUMNS} FROM "posts" WHERE "id" = ? AND ${RULE}`);
    for (const order of ['desc', 'asc', 'none'] as const) {
      this.#listFiltered[order] = db.prepare(`SELECT ${POST_COLUMNS} FROM "posts" WHERE ("views" > ?) AND ${RULE} ${ORDER_SQL[order]} LIMIT ? OFFSET ?`);
      this.#listAll[order] = db.prepare(`SELECT ${POST_COLUMNS} FROM "posts" WHERE ${RULE} ${ORDER_SQL[order]} LIMIT ? OFFSET ?`);
    }
    this.#countFiltered = db.prepare(`SELECT COUNT(*) AS "n" FROM "posts" WHERE ("views" > ?) AND ${RULE}`);
    this.#countAll = db.prepare(`SELECT COUNT(*) AS "n" FROM "posts" WHERE ${RULE}`);
    this.#userById = db.prepare(`SELECT ${USER_COLUMNS_SQL} FROM "users" WHERE "id" = ?`);
    this.#userByEmail = db.prepare(`SELECT ${USER_COLUMNS_SQL} FROM "users" WHERE "email" = ? AND "email" != ''`);
    this.#usersByIds = db.prepare(`SELECT ${USER_COLUMNS_SQL} FROM "users" WHERE "id" IN (SELECT "value" FROM json_each(?))`);
    this.#insert = db.prepare(`INSERT INTO "posts" (${POST_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#addViews = db.prepare(
      `UPDATE "posts" SET "views" = "views" + ?, "updated" = ? WHERE "id" = ? AND "owner" = ? RETURNING ${POST_COLUMNS}`,
    );
    this.#insertAll = db.transaction((rows: readonly PostRecord[]) => {
      for (const r of rows) this.#insert.run(r.id, r.title, r.body, r.published ? 1 : 0, r.owner, r.views, r.created, r.updated);
    });
  }

  viewPost(id: string, authId: string): PostRecord | undefined {
    return this.#view.get(id, authId);
  }

  listPosts(q: ListQuery): PostRecord[] {
    return q.min === undefined ? this.#listAll[q.order].all(q.authId, q.limit, q.offset) : this.#listFiltered[q.order].all(q.min, q.authId, q.limit, q.offset);
  }

  countPosts(q: ListQuery): number {
    return (q.min === undefined ? this.#countAll.get(q.authId) : this.#countFiltered.get(q.min, q.authId))?.n ?? 0;
  }

  userById(id: string): UserRecord | undefined {
    return this.#userById.get(id);
  }

  userByEmail(email: string): UserRecord | undefined {
    return this.#userByEmail.get(email);
  }

  usersByIds(ids: readonly string[]): UserRecord[] {
    return ids.length === 0 ? [] : this.#usersByIds.all(JSON.stringify(ids));
  }

  insertPosts(rows: readonly PostRecord[]): void {
    this.#insertAll(rows);
  }

  addViews(id: string, ownerId: string, delta: number, updated: string): PostRecord | undefined {
    if (ownerId === '') return undefined;
    return this.#addViews.get(delta, updated, id, ownerId);
  }

  close(): void {
    this.#db.close();
  }
}
