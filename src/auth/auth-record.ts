/**
 * Reading auth records straight from their collection table, for login and token checks (auth
 * responses are shaped by the record engine, `app.records.shape`). Rows are decoded by the record engine's codec, so an auth
 * record has exactly the values the records API shows (SQLite 0/1 booleans, JSON text, ...).
 */
import type { Collection } from '../core/schema.js';
import type { Queryable, SqlParam } from '../db/database.js';
import { decodeRow, valuesDecoder } from '../records/record-codec.js';
import type { ValuesDecoder } from '../records/record-codec.js';

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

interface ByIdRead {
  sql: string;
  decode: ValuesDecoder;
}

// The by-id statement of each collection object (a schema change makes a new object), so every
// authenticated request finds the prepared statement under the same string, built once. It names
// the fields and reads the row as values: no per-row object whose column names the SQLite driver
// internalizes one by one (~0.6 µs of every authenticated request).
const byIdReads = new WeakMap<Collection, ByIdRead | null>();

/** `findAuthRecord(db, collection, 'id', id)`, the lookup behind every token check. */
export function findAuthRecordById(db: Queryable, collection: Collection, id: SqlParam): Promise<AuthRecord | undefined> {
  let read = byIdReads.get(collection);
  if (read === undefined) {
    const names = collection.fields.map((f) => f.name);
    read = names.includes('id')
      ? { sql: `SELECT ${names.map(quote).join(', ')} FROM ${quote(collection.name)} WHERE "id" = ? LIMIT 1`, decode: valuesDecoder(collection, names) }
      : null;
    byIdReads.set(collection, read);
  }
  if (read === null) return Promise.resolve(undefined);
  const decode = read.decode;
  return db.getValues(read.sql, [id]).then((row) => (row ? (decode(row) as AuthRecord) : undefined));
}
