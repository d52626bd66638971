/**
 * The baseline's PostgreSQL storage: a `pg` pool (10 connections, Galley's default) and named
 * prepared statements with the same SQL as the SQLite store (`$n` placeholders, booleans).
 */
import pg from 'pg';
import { POST_COLUMNS, USER_COLUMNS_SQL } from './store.js';
import type { ListQuery, Order, PostRecord, Store, UserRecord } from './store.js';

// `"_rowid"` is the PostgreSQL tables' default order (docs/internals/storage-layout.md).
const ORDER: Record<Order, string> = { desc: 'ORDER BY "created" DESC', asc: 'ORDER BY "created" ASC', none: 'ORDER BY "_rowid"' };

interface Named {
  name: string;
  text: string;
}

const q = (name: string, text: string): Named => ({ name, text });

const VIEW = q('view', `SELECT ${POST_COLUMNS} FROM "posts" WHERE "id" = $1 AND ("published" = TRUE OR "owner" = $2)`);
const LIST_FILTERED = Object.fromEntries(
  (['desc', 'asc', 'none'] as const).map((o) => [
    o,
    q(`list_f_${o}`, `SELECT ${POST_COLUMNS} FROM "posts" WHERE ("views" > $1) AND ("published" = TRUE OR "owner" = $2) ${ORDER[o]} LIMIT $3 OFFSET $4`),
  ]),
) as Record<Order, Named>;
const LIST_ALL = Object.fromEntries(
  (['desc', 'asc', 'none'] as const).map((o) => [
    o,
    q(`list_a_${o}`, `SELECT ${POST_COLUMNS} FROM "posts" WHERE ("published" = TRUE OR "owner" = $1) ${ORDER[o]} LIMIT $2 OFFSET $3`),
  ]),
) as Record<Order, Named>;
const COUNT_FILTERED = q('count_f', `SELECT COUNT(*) AS "n" FROM "posts" WHERE ("views" > $1) AND ("published" = TRUE OR "owner" = $2)`);
const COUNT_ALL = q('count_a', `SELECT COUNT(*) AS "n" FROM "posts" WHERE ("published" = TRUE OR "owner" = $1)`);
const USER_BY_ID = q('user_id', `SELECT ${USER_COLUMNS_SQL} FROM "users" WHERE "id" = $1`);
const USER_BY_EMAIL = q('user_email', `SELECT ${USER_COLUMNS_SQL} FROM "users" WHERE "email" = $1 AND "email" != ''`);
const USERS_BY_IDS = q('users_ids', `SELECT ${USER_COLUMNS_SQL} FROM "users" WHERE "id" = ANY($1::text[])`);
const INSERT = q('insert', `INSERT INTO "posts" (${POST_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`);
const ADD_VIEWS = q(
  'add_views',
  `UPDATE "posts" SET "views" = "views" + $1, "updated" = $2 WHERE "id" = $3 AND "owner" = $4 RETURNING ${POST_COLUMNS}`,
);

export class PgStore implements Store {
  readonly #pool: pg.Pool;

  constructor(url: string) {
    this.#pool = new pg.Pool({ connectionString: url, max: 10 });
  }

  async #rows<T>(statement: Named, values: unknown[]): Promise<T[]> {
    return (await this.#pool.query({ ...statement, values })).rows as T[];
  }

  async viewPost(id: string, authId: string): Promise<PostRecord | undefined> {
    return (await this.#rows<PostRecord>(VIEW, [id, authId]))[0];
  }

  listPosts(l: ListQuery): Promise<PostRecord[]> {
    return l.min === undefined
      ? this.#rows(LIST_ALL[l.order], [l.authId, l.limit, l.offset])
      : this.#rows(LIST_FILTERED[l.order], [l.min, l.authId, l.limit, l.offset]);
  }

  async countPosts(l: ListQuery): Promise<number> {
    const rows = l.min === undefined ? await this.#rows<{ n: string }>(COUNT_ALL, [l.authId]) : await this.#rows<{ n: string }>(COUNT_FILTERED, [l.min, l.authId]);
    return Number(rows[0]?.n ?? 0);
  }

  async userById(id: string): Promise<UserRecord | undefined> {
    return (await this.#rows<UserRecord>(USER_BY_ID, [id]))[0];
  }

  async userByEmail(email: string): Promise<UserRecord | undefined> {
    return (await this.#rows<UserRecord>(USER_BY_EMAIL, [email]))[0];
  }

  async usersByIds(ids: readonly string[]): Promise<UserRecord[]> {
    return ids.length === 0 ? [] : this.#rows<UserRecord>(USERS_BY_IDS, [ids]);
  }

  async insertPosts(rows: readonly PostRecord[]): Promise<void> {
    const insert = (c: pg.PoolClient | pg.Pool, r: PostRecord) =>
      c.query({ ...INSERT, values: [r.id, r.title, r.body, Boolean(r.published), r.owner, r.views, r.created, r.updated] });
    if (rows.length === 1) {
      await insert(this.#pool, rows[0] as PostRecord);
      return;
    }
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      for (const r of rows) await insert(client, r);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  async addViews(id: string, ownerId: string, delta: number, updated: string): Promise<PostRecord | undefined> {
    if (ownerId === '') return undefined;
    return (await this.#rows<PostRecord>(ADD_VIEWS, [delta, updated, id, ownerId]))[0];
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }
}
