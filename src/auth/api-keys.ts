/**
 * API keys for server-to-server calls. A superuser mints a key for one auth record; the key then
 * acts as that record (its rules, its identity) within the key's scopes, until it expires or is
 * revoked. Keys are opaque, prefixed `gk_` so secret scanners and humans can tell what they are,
 * and only their SHA-256 is stored: a leaked database does not leak usable keys, and a lookup by
 * digest needs no slow hash (a key carries 190 bits of randomness, nothing to brute-force).
 *
 * Scopes (all listed scopes are alternatives):
 * - `*`: everything the record may do;
 * - `read`: GET and HEAD requests only;
 * - `<collection>:<action>`: one action on one collection (`posts:list`, `posts:view`,
 *   `posts:create`, `posts:update`, `posts:delete`, `posts:*`; `*:list` for every collection).
 */
import { apiError, fieldError, validationError } from '../core/errors.js';
import type { ErrorData } from '../core/errors.js';
import type { Collection } from '../core/schema.js';
import type { Queryable } from '../db/database.js';
import { randomRecordId, randomString } from '../lib/random-string.js';
import type { ApiKeyInfo } from './api-key-info.js';
import { findAuthRecord } from './auth-record.js';
import type { AuthState } from './auth-record.js';
import { ensureAuthTables, ms } from './auth-tables.js';
import { sha256 } from './sha256.js';

export type { ApiKeyInfo };

export const API_KEY_PREFIX = 'gk_';
const SCOPE = /^(\*|read|[A-Za-z0-9_*]+:(\*|list|view|create|update|delete))$/;

export interface MintApiKeyInput {
  name: unknown;
  collection: unknown;
  recordId: unknown;
  scopes?: unknown;
  /** Lifetime in seconds from now; 0/absent = no expiry. */
  duration?: unknown;
}

interface Deps {
  db: Queryable;
  collections: { find(nameOrId: string): Collection | undefined };
}

const iso = (t: number): string => (t > 0 ? new Date(t).toISOString().replace('T', ' ') : '');

function toInfo(row: Record<string, unknown>): ApiKeyInfo {
  return {
    id: String(row.id),
    name: String(row.name),
    prefix: String(row.prefix),
    collectionId: String(row.collectionRef),
    recordId: String(row.recordRef),
    scopes: JSON.parse(String(row.scopes)) as string[],
    expires: iso(ms(row.expires)),
    created: iso(ms(row.created)),
    lastUsed: iso(ms(row.lastUsed)),
    revoked: iso(ms(row.revoked)),
  };
}

/** Creates a key; the answer is the only time the key itself is shown. */
export async function mintApiKey(deps: Deps, input: MintApiKeyInput): Promise<ApiKeyInfo & { key: string }> {
  const errors: ErrorData = {};
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  if (name === '' || name.length > 255) errors.name = fieldError(name === '' ? 'validation_required' : 'validation_max_text_constraint', name === '' ? undefined : { max: 255 });
  const collection = typeof input.collection === 'string' ? deps.collections.find(input.collection) : undefined;
  if (!collection || collection.type !== 'auth') errors.collection = fieldError('validation_invalid_value');
  const recordId = typeof input.recordId === 'string' ? input.recordId : '';
  const scopes = input.scopes === undefined || input.scopes === null ? ['*'] : input.scopes;
  if (!Array.isArray(scopes) || scopes.length === 0 || scopes.length > 100 || !scopes.every((s) => typeof s === 'string' && SCOPE.test(s))) {
    errors.scopes = fieldError('validation_invalid_value');
  }
  const duration = input.duration === undefined || input.duration === null ? 0 : input.duration;
  if (typeof duration !== 'number' || !Number.isInteger(duration) || duration < 0 || duration > 10 * 365 * 86400) {
    errors.duration = fieldError('validation_invalid_value');
  }
  if (collection && collection.type === 'auth' && !errors.recordId) {
    const record = recordId === '' ? undefined : await findAuthRecord(deps.db, collection, 'id', recordId);
    if (!record) errors.recordId = fieldError('validation_missing_rel_records');
  }
  if (Object.keys(errors).length > 0 || !collection) throw validationError(errors, 'Failed to create the API key.');

  await ensureAuthTables(deps.db);
  const key = API_KEY_PREFIX + randomString(32);
  const now = Date.now();
  const row = {
    id: randomRecordId(),
    name,
    hash: sha256(key),
    prefix: key.slice(0, API_KEY_PREFIX.length + 6),
    collectionRef: collection.id,
    recordRef: recordId,
    scopes: JSON.stringify(scopes),
    expires: (duration as number) > 0 ? now + (duration as number) * 1000 : 0,
    created: now,
    lastUsed: 0,
    revoked: 0,
  };
  await deps.db.run(
    `INSERT INTO "_apiKeys" ("id", "name", "hash", "prefix", "collectionRef", "recordRef", "scopes", "expires", "created", "lastUsed", "revoked")
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [row.id, row.name, row.hash, row.prefix, row.collectionRef, row.recordRef, row.scopes, row.expires, row.created, row.lastUsed, row.revoked],
  );
  return { ...toInfo(row), key };
}

export async function listApiKeys(db: Queryable): Promise<ApiKeyInfo[]> {
  await ensureAuthTables(db);
  const rows = await db.all(`SELECT * FROM "_apiKeys" ORDER BY "created" DESC, "id"`);
  return rows.map(toInfo);
}

/** Revokes the key (kept in the list, marked revoked). 404 when unknown. */
export async function revokeApiKey(db: Queryable, id: string): Promise<void> {
  await ensureAuthTables(db);
  const res = await db.run(`UPDATE "_apiKeys" SET "revoked" = ? WHERE "id" = ? AND "revoked" = 0`, [Date.now(), id]);
  if (res.changes === 0) {
    const exists = await db.get(`SELECT 1 AS "x" FROM "_apiKeys" WHERE "id" = ?`, [id]);
    if (!exists) throw apiError('not_found');
  }
}

/** Last-use times are written at most once a minute per key, not on every request. */
const LAST_USED_EVERY_MS = 60_000;

/** The record an API key acts as, or undefined (unknown, revoked, expired, record gone). */
export async function authenticateApiKey(deps: Deps, key: string): Promise<AuthState | undefined> {
  if (!key.startsWith(API_KEY_PREFIX) || key.length > 200) return undefined;
  await ensureAuthTables(deps.db);
  const row = await deps.db.get(`SELECT * FROM "_apiKeys" WHERE "hash" = ?`, [sha256(key)]);
  if (!row || ms(row.revoked) > 0) return undefined;
  const now = Date.now();
  const expires = ms(row.expires);
  if (expires > 0 && expires <= now) return undefined;
  const collection = deps.collections.find(String(row.collectionRef));
  if (!collection || collection.type !== 'auth') return undefined;
  const record = await findAuthRecord(deps.db, collection, 'id', String(row.recordRef));
  if (!record) return undefined;
  if (now - ms(row.lastUsed) > LAST_USED_EVERY_MS) {
    await deps.db.run(`UPDATE "_apiKeys" SET "lastUsed" = ? WHERE "id" = ?`, [now, String(row.id)]);
  }
  return { collection, record, amr: ['apikey'], apiKey: { id: String(row.id), scopes: JSON.parse(String(row.scopes)) as string[] } };
}

/**
 * Whether a key's scopes allow a request: `method` and, for collection routes, the collection
 * name and the action (`list`, `view`, `create`, `update`, `delete`, or an auth action name).
 */
export function apiKeyAllows(scopes: readonly string[], method: string, target?: { collection: string; action: string }): boolean {
  for (const scope of scopes) {
    if (scope === '*') return true;
    if (scope === 'read') {
      if (method === 'GET' || method === 'HEAD') return true;
      continue;
    }
    if (!target) continue;
    const [collection, action] = scope.split(':') as [string, string];
    if ((collection === '*' || collection === target.collection) && (action === '*' || action === target.action)) return true;
  }
  return false;
}
