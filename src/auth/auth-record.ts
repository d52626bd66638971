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
}

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

export async function findAuthRecord(
  db: Queryable,
  collection: Collection,
  column: string,
  value: SqlParam,
): Promise<AuthRecord | undefined> {
  if (!collection.fields.some((f) => f.name === column)) return undefined;
  const cmp = column === 'email' ? `LOWER(${quote(column)}) = LOWER(?)` : `${quote(column)} = ?`;
  const row = await db.get(`SELECT * FROM ${quote(collection.name)} WHERE ${cmp} LIMIT 1`, [value]);
  return row ? (decodeRow(collection, row) as AuthRecord) : undefined;
}
