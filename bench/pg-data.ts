/**
 * PostgreSQL side of `--pg`: one fresh database per target per run (dropped after), the baseline's
 * tables with the DDL of docs/internals/storage-layout.md, and bulk loading of the same rows the
 * SQLite runs use (arrays through `unnest`, 5,000 rows a statement).
 */
import pg from 'pg';
import type { PostRow, UserRow } from './dataset.js';
import { USER_COLUMNS } from './dataset.js';

/** `postgres://…/test` -> the same server with another database name. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return withDatabase(adminUrl, name);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** The baseline's tables on PostgreSQL (Galley creates its own from the collections). */
export const PG_TABLES_SQL = `
CREATE TABLE "posts" (
  "_rowid" BIGINT GENERATED ALWAYS AS IDENTITY,
  "id" TEXT COLLATE "C" PRIMARY KEY NOT NULL,
  "title" TEXT COLLATE "C" NOT NULL DEFAULT '',
  "body" TEXT COLLATE "C" NOT NULL DEFAULT '',
  "published" BOOLEAN NOT NULL DEFAULT FALSE,
  "owner" TEXT COLLATE "C" NOT NULL DEFAULT '',
  "views" DOUBLE PRECISION NOT NULL DEFAULT 0,
  "created" TEXT COLLATE "C" NOT NULL DEFAULT '',
  "updated" TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX "idx_posts_created" ON "posts" ("created");
CREATE INDEX "idx_posts_views" ON "posts" ("views", "published", "owner");
CREATE TABLE "users" (
  "id" TEXT COLLATE "C" PRIMARY KEY NOT NULL,
  "password" TEXT COLLATE "C" NOT NULL DEFAULT '',
  "tokenKey" TEXT COLLATE "C" NOT NULL DEFAULT '',
  "email" TEXT COLLATE "C" NOT NULL DEFAULT '',
  "emailVisibility" BOOLEAN NOT NULL DEFAULT FALSE,
  "verified" BOOLEAN NOT NULL DEFAULT FALSE,
  "name" TEXT COLLATE "C" NOT NULL DEFAULT '',
  "avatar" TEXT COLLATE "C" NOT NULL DEFAULT '',
  "created" TEXT COLLATE "C" NOT NULL DEFAULT '',
  "updated" TEXT COLLATE "C" NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX "idx_users_tokenKey" ON "users" ("tokenKey");
CREATE UNIQUE INDEX "idx_users_email" ON "users" ("email") WHERE "email" != '';
`;

const POST_TYPES = { id: 'text', title: 'text', body: 'text', published: 'bool', owner: 'text', views: 'float8', created: 'text', updated: 'text' } as const;
const USER_TYPES = { id: 'text', password: 'text', tokenKey: 'text', email: 'text', emailVisibility: 'bool', verified: 'bool', name: 'text', avatar: 'text', created: 'text', updated: 'text' } as const;

async function bulkInsert<R>(client: pg.Client, table: string, types: Record<string, string>, rows: Iterable<R>): Promise<void> {
  const columns = Object.keys(types);
  const sql = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) SELECT * FROM unnest(${columns
    .map((c, i) => `$${i + 1}::${types[c]}[]`)
    .join(', ')})`;
  let chunk: R[] = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    const values = columns.map((c) => chunk.map((r) => {
      const v = (r as Record<string, unknown>)[c];
      return types[c] === 'bool' ? Boolean(v) : v;
    }));
    await client.query(sql, values);
    chunk = [];
  };
  for (const row of rows) {
    chunk.push(row);
    if (chunk.length >= 5000) await flush();
  }
  await flush();
}

/** Loads posts and users into a database whose tables exist (Galley's or the baseline's), then ANALYZE. */
export async function loadPg(url: string, posts: Iterable<PostRow>, users: readonly UserRow[], createTables: boolean): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    if (createTables) await client.query(PG_TABLES_SQL);
    await client.query('BEGIN');
    await bulkInsert(client, 'users', USER_TYPES satisfies Record<(typeof USER_COLUMNS)[number], string>, users);
    await bulkInsert(client, 'posts', POST_TYPES, posts);
    await client.query('COMMIT');
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
}

/** Pids of the PostgreSQL backends connected to `database` (their CPU is part of a target's cost). */
export async function backendPids(adminUrl: string, database: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}
