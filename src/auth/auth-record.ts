/**
 * Reading auth records straight from their collection table, for login and token checks, and
 * shaping them for auth responses. Column values come back in the engine's types (SQLite booleans
 * are 0/1, JSON columns are text on SQLite) and are normalised per field type here.
 */
import type { Collection, Field } from '../core/schema.js';
import { isMultiple } from '../core/schema.js';
import type { Queryable, SqlParam } from '../db/database.js';

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
  return row ? normaliseRow(collection, row) : undefined;
}

function normaliseRow(collection: Collection, row: Record<string, unknown>): AuthRecord {
  const out: Record<string, unknown> = {};
  for (const field of collection.fields) out[field.name] = normaliseValue(field, row[field.name]);
  return out as AuthRecord;
}

function normaliseValue(field: Field, value: unknown): unknown {
  switch (field.type) {
    case 'bool':
      return value === true || value === 1 || value === '1' || value === 't';
    case 'number':
      return Number(value ?? 0);
    case 'json':
    case 'geoPoint':
      return typeof value === 'string' ? safeJson(value) : (value ?? null);
    case 'select':
    case 'file':
    case 'relation':
      if (!isMultiple(field)) return value ?? '';
      return typeof value === 'string' ? (safeJson(value) ?? []) : (value ?? []);
    default:
      return value ?? '';
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * The record as an auth response shows it: `collectionId`/`collectionName` first, secrets and hidden
 * fields left out, `email` always present (the owner is asking).
 */
export function authRecordJson(collection: Collection, record: AuthRecord): Record<string, unknown> {
  const out: Record<string, unknown> = { collectionId: collection.id, collectionName: collection.name };
  for (const field of collection.fields) {
    if (field.hidden || field.type === 'password' || field.name === 'tokenKey') continue;
    out[field.name] = record[field.name];
  }
  return out;
}
