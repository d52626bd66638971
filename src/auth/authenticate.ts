/**
 * Turns an `Authorization` value into the requester's identity. Any failure (malformed, expired,
 * wrong signature, deleted record, rotated key) yields `undefined`: the request then runs as a
 * guest, and only routes that require auth answer 401 (PocketBase's rule).
 */
import type { Collection } from '../core/schema.js';
import type { Queryable } from '../db/database.js';
import { API_KEY_PREFIX, authenticateApiKey } from './api-keys.js';
import { findAuthRecord } from './auth-record.js';
import type { AuthState } from './auth-record.js';
import { peekClaims, signingKey, verifyToken } from './tokens.js';

export interface AuthDeps {
  db: Queryable;
  collections: { find(nameOrId: string): Collection | undefined };
}

/** Accepts the raw token (what the JS SDK sends) or `Bearer <token>`. */
export function tokenFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const value = header.trim();
  const token = /^bearer\s+/i.test(value) ? value.replace(/^bearer\s+/i, '') : value;
  return token === '' || token.length > 4096 ? undefined : token;
}

export async function authenticateToken(deps: AuthDeps, token: string): Promise<AuthState | undefined> {
  if (token.startsWith(API_KEY_PREFIX)) return authenticateApiKey(deps, token);
  const claims = peekClaims(token);
  if (!claims || claims.type !== 'auth') return undefined;
  const collection = deps.collections.find(claims.collectionId);
  if (!collection || collection.type !== 'auth' || collection.id !== claims.collectionId) return undefined;
  const secret = collection.authToken?.secret;
  if (!secret) return undefined;
  const record = await findAuthRecord(deps.db, collection, 'id', claims.id);
  if (!record) return undefined;
  const verified = await verifyToken(token, signingKey(record.tokenKey, secret), 'auth');
  if (!verified) return undefined;
  const amr = Array.isArray(verified.amr) ? verified.amr.filter((m): m is string => typeof m === 'string') : [];
  return { collection, record, amr };
}

export function isSuperuser(auth: AuthState | undefined | null): boolean {
  return auth?.collection.name === '_superusers';
}
