/**
 * The benchmark data: one `posts` collection (PocketBase shape, so Galley can create it through
 * its collections API) and N deterministic records, written once into a SQLite file laid out as
 * `docs/internals/storage-layout.md` says. Every target loads the same rows, so the same request
 * must produce the same bytes everywhere.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { BetterSqlite3Driver as Database } from '../src/db/sqlite/better-sqlite3-driver.js';

export const POSTS_COLLECTION_ID = 'pbc_1125843985';
export const USERS_COLLECTION_ID = '_pb_users_auth_';

/** The view/list rule both servers enforce (the baseline by hand in SQL). */
export const POSTS_RULE = 'published = true || owner = @request.auth.id';

/** Fields in collection order: record JSON keys follow it (after collectionId, collectionName, id). */
export const POSTS_FIELDS = ['title', 'body', 'published', 'owner', 'views', 'created', 'updated'] as const;

/** The collection as sent to `POST /api/collections` (Galley adds the `id` field itself). */
export function postsCollectionBody(): Record<string, unknown> {
  return {
    id: POSTS_COLLECTION_ID,
    name: 'posts',
    type: 'base',
    listRule: POSTS_RULE,
    viewRule: POSTS_RULE,
    createRule: '@request.auth.id != ""',
    updateRule: 'owner = @request.auth.id',
    deleteRule: null,
    fields: [
      { name: 'title', type: 'text', required: true, max: 200 },
      { name: 'body', type: 'text' },
      { name: 'published', type: 'bool' },
      { name: 'owner', type: 'relation', collectionId: USERS_COLLECTION_ID, maxSelect: 1 },
      { name: 'views', type: 'number', onlyInt: true },
      { name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
      { name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
    ],
    // The same indexes the baseline has: `created` for the sort, a covering index for the
    // filter + rule so the list's COUNT(*) reads only index pages.
    indexes: [
      'CREATE INDEX `idx_posts_created` ON `posts` (`created`)',
      'CREATE INDEX `idx_posts_views` ON `posts` (`views`, `published`, `owner`)',
    ],
  };
}

export interface PostRow {
  id: string;
  title: string;
  body: string;
  published: 0 | 1;
  owner: string;
  views: number;
  created: string;
  updated: string;
}

/** mulberry32: a tiny seeded PRNG, so every run (and every target) gets the same data. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const WORDS = ['galley', 'record', 'sqlite', 'rule', 'filter', 'fast', 'node', 'query', 'page', 'index', 'stream', 'owner'];

function randomId(rand: () => number): string {
  let s = '';
  for (let i = 0; i < 15; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return s;
}

function sentence(rand: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(rand() * WORDS.length)] ?? 'x');
  return out.join(' ');
}

// Unique, increasing timestamps: `sort=-created` then has no ties, so every correct server returns
// the same order.
const EPOCH = Date.UTC(2024, 0, 1);
function datetime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ');
}

/** The 100 owners' ids: the first draws of the posts' PRNG, so `generateUsers` can recreate them. */
const OWNER_COUNT = 100;

export function* generatePosts(count: number, seed = 42): Generator<PostRow> {
  const rand = prng(seed);
  const owners = Array.from({ length: OWNER_COUNT }, () => randomId(rand));
  for (let i = 0; i < count; i++) {
    const created = datetime(EPOCH + i * 1000);
    yield {
      id: randomId(rand),
      // A quote and a backslash in some titles make the byte comparison cover JSON escaping.
      title: i % 97 === 0 ? `Post ${i} "quoted" \\ ${sentence(rand, 3)}` : `Post ${i}: ${sentence(rand, 4)}`,
      body: sentence(rand, 30),
      published: rand() < 0.8 ? 1 : 0,
      owner: owners[Math.floor(rand() * owners.length)] ?? '',
      views: Math.floor(rand() * 1000),
      created,
      updated: created,
    };
  }
}

/** The password of every bench user (`user<i>@example.com`). */
export const USER_PASSWORD = 'bench-user-password-1';

/** A row of the `users` auth collection, columns in Galley's field order. */
export interface UserRow {
  id: string;
  password: string;
  tokenKey: string;
  email: string;
  emailVisibility: 0 | 1;
  verified: 0 | 1;
  name: string;
  avatar: string;
  created: string;
  updated: string;
}

/**
 * The posts' 100 owners as users of the `users` auth collection. `passwordHash` is one argon2id
 * PHC string (Galley's parameters) shared by all: hashing 100 passwords would cost seconds and
 * measure nothing. Every 10th user shows their email, so expanded owners cover both shapes.
 */
export function generateUsers(passwordHash: string, seed = 42): UserRow[] {
  const rand = prng(seed);
  const keys = prng(seed + 1);
  const created = datetime(EPOCH - 3_600_000);
  return Array.from({ length: OWNER_COUNT }, (_, i) => {
    let tokenKey = '';
    for (let k = 0; k < 50; k++) tokenKey += ALPHABET[Math.floor(keys() * ALPHABET.length)];
    return {
      id: randomId(rand),
      password: passwordHash,
      tokenKey,
      email: `user${i}@example.com`,
      emailVisibility: i % 10 === 0 ? 1 : 0,
      verified: 1,
      name: i % 13 === 0 ? `User "${i}"` : `User ${i}`,
      avatar: '',
      created,
      updated: created,
    };
  });
}

export const USER_COLUMNS = ['id', 'password', 'tokenKey', 'email', 'emailVisibility', 'verified', 'name', 'avatar', 'created', 'updated'] as const;

/** Inserts users into an open SQLite database whose `users` table already exists (Galley's or the baseline's). */
export function insertUsers(db: BetterSqlite3.Database, users: readonly UserRow[]): void {
  const insert = db.prepare(
    `INSERT INTO "users" (${USER_COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES (${USER_COLUMNS.map((c) => `@${c}`).join(', ')})`,
  );
  db.transaction(() => {
    for (const u of users) insert.run(u);
  })();
}

/** SQLite DDL of the baseline's users table (Galley creates its own from the collection). */
export const USERS_TABLE_SQL = `
CREATE TABLE IF NOT EXISTS "users" (
  "id" TEXT PRIMARY KEY NOT NULL,
  "password" TEXT NOT NULL DEFAULT '',
  "tokenKey" TEXT NOT NULL DEFAULT '',
  "email" TEXT NOT NULL DEFAULT '',
  "emailVisibility" BOOLEAN NOT NULL DEFAULT FALSE,
  "verified" BOOLEAN NOT NULL DEFAULT FALSE,
  "name" TEXT NOT NULL DEFAULT '',
  "avatar" TEXT NOT NULL DEFAULT '',
  "created" TEXT NOT NULL DEFAULT '',
  "updated" TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX IF NOT EXISTS "idx_users_tokenKey" ON "users" ("tokenKey");
CREATE UNIQUE INDEX IF NOT EXISTS "idx_users_email" ON "users" ("email") WHERE "email" != '';
`;

/** SQLite DDL of the posts table, per the storage layout. */
export const POSTS_TABLE_SQL = `
CREATE TABLE IF NOT EXISTS "posts" (
  "id" TEXT PRIMARY KEY NOT NULL,
  "title" TEXT NOT NULL DEFAULT '',
  "body" TEXT NOT NULL DEFAULT '',
  "published" BOOLEAN NOT NULL DEFAULT FALSE,
  "owner" TEXT NOT NULL DEFAULT '',
  "views" NUMERIC NOT NULL DEFAULT 0,
  "created" TEXT NOT NULL DEFAULT '',
  "updated" TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS "idx_posts_created" ON "posts" ("created");
CREATE INDEX IF NOT EXISTS "idx_posts_views" ON "posts" ("views", "published", "owner");
`;

/** Inserts the rows into an open SQLite database whose `posts` table already exists. */
export function insertPosts(
  db: BetterSqlite3.Database,
  rows: Iterable<PostRow>,
): { ids: string[]; published: string[]; hidden: string[]; byOwner: Map<string, string[]> } {
  const insert = db.prepare(
    `INSERT INTO "posts" ("id", "title", "body", "published", "owner", "views", "created", "updated")
     VALUES (@id, @title, @body, @published, @owner, @views, @created, @updated)`,
  );
  const ids: string[] = [];
  const published: string[] = [];
  const hidden: string[] = [];
  const byOwner = new Map<string, string[]>();
  db.transaction(() => {
    for (const row of rows) {
      insert.run(row);
      ids.push(row.id);
      (row.published ? published : hidden).push(row.id);
      const own = byOwner.get(row.owner);
      if (own) own.push(row.id);
      else byOwner.set(row.owner, [row.id]);
    }
  })();
  return { ids, published, hidden, byOwner };
}

export interface DatasetInfo {
  file: string;
  count: number;
  published: string[];
  hidden: string[];
  /** Post ids per owner id. */
  byOwner: Map<string, string[]>;
  users: UserRow[];
}

/** Creates a fresh SQLite file with the posts and users tables and `count` posts (the baseline's database). */
export function createDatasetFile(file: string, count: number, users: UserRow[]): DatasetInfo {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(POSTS_TABLE_SQL);
    db.exec(USERS_TABLE_SQL);
    insertUsers(db, users);
    const { published, hidden, byOwner } = insertPosts(db, generatePosts(count));
    db.exec('ANALYZE');
    return { file, count, published, hidden, byOwner, users };
  } finally {
    db.close();
  }
}
