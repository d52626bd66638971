/**
 * Reading auth records straight from their collection table, for login and token checks (auth
 * responses are shaped by the record engine, `app.records.shape`). Rows are decoded by the record engine's codec, so an auth
 * record has exactly the values the records API shows (SQLite 0/1 booleans, JSON text, ...).
 */
import type { Collection } from '../core/schema.js';
import type { Queryable, SqlParam } from '../db/database.js';
import { decodeRow } from '../records/record-codec.js';

export interface AuthRecord {
  id: string;
  email: string;
  password: string;
  tokenKey: string;
  verified: boolean;
  emailVisibility: boolean;
  [field: string]: unknown;
}

export interface AuthState {
  collection: Collection;
  record: AuthRecord;
  /** How the session was authenticated (the token's `amr` claim; `["apikey"]` for API keys). */
  amr?: readonly string[];
  /** Set when the request carries an API key instead of a token: its id and scopes. */
  apiKey?: { id: string; scopes: readonly string[] };
  /** False when the token may not be re-issued by auth-refresh (its `refreshable` claim, impersonation). */
  refreshable?: false;
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export async function findAuthRecord(
  db: Queryable,
  collection: Collection,
  column: string,
  value: SqlParam,
): Promise<AuthRecord | undefined> {
  if (column === 'id') return findAuthRecordById(db, collection, value);
  if (!collection.fields.some((f) => f.name === column)) return undefined;
  const cmp = column === 'email' ? `LOWER(${quote(column)}) = LOWER(?)` : `${quote(column)} = ?`;
  const row = await db.get(`SELECT * FROM ${quote(collection.name)} WHERE ${cmp} LIMIT 1`, [value]);
  return row ? (decodeRow(collection, row) as AuthRecord) : undefined;
}

// The by-id statement of each collection object (a schema change makes a new object), so every
// authenticated request finds the prepared statement under the same string, built once.
const byIdSql = new WeakMap<Collection, string | null>();

/** `findAuthRecord(db, collection, 'id', id)`, the lookup behind every token check. */
export function findAuthRecordById(db: Queryable, collection: Collection, id: SqlParam): Promise<AuthRecord | undefined> {
  let sql = byIdSql.get(collection);
  if (sql === undefined) {
    sql = collection.fields.some((f) => f.name === 'id') ? `SELECT * FROM ${quote(collection.name)} WHERE "id" = ? LIMIT 1` : null;
    byIdSql.set(collection, sql);
  }
  if (sql === null) return Promise.resolve(undefined);
  return db.get(sql, [id]).then((row) => (row ? (decodeRow(collection, row) as AuthRecord) : undefined));
}
