/**
 * Turns an `Authorization` value into the requester's identity. Any failure (malformed, expired,
 * wrong signature, deleted record, rotated key) yields `undefined`: the request then runs as a
 * guest, and only routes that require auth answer 401 (PocketBase's rule).
 */
import type { Collection } from '../core/schema.js';
import type { Queryable } from '../db/database.js';
import { API_KEY_PREFIX, authenticateApiKey } from './api-keys.js';
import { findAuthRecordById } from './auth-record.js';
import type { AuthState } from './auth-record.js';
import { peekClaims, signingKey, verifyPeekedToken } from './tokens.js';

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

export function authenticateToken(deps: AuthDeps, token: string): Promise<AuthState | undefined> {
  try {
    return tokenAuth(deps, token);
  } catch (err) {
    return Promise.reject(err);
  }
}

function tokenAuth(deps: AuthDeps, token: string): Promise<AuthState | undefined> {
  if (token.startsWith(API_KEY_PREFIX)) return authenticateApiKey(deps, token);
  const claims = peekClaims(token);
  if (!claims || claims.type !== 'auth') return NONE;
  const collection = deps.collections.find(claims.collectionId);
  if (!collection || collection.type !== 'auth' || collection.id !== claims.collectionId) return NONE;
  const secret = collection.authToken?.secret;
  if (!secret) return NONE;
  // One `then`, not an async function: this runs before every authenticated request.
  return findAuthRecordById(deps.db, collection, claims.id).then((record) => {
    if (!record) return undefined;
    // The claims were peeked from this token: verifying it proves them, without decoding them again.
    const verified = verifyPeekedToken(token, claims, signingKey(record.tokenKey, secret), 'auth');
    if (!verified) return undefined;
    const amr = Array.isArray(verified.amr) ? verified.amr.filter((m): m is string => typeof m === 'string') : [];
    const state: AuthState = { collection, record, amr };
    // Only an explicit `false` (impersonation) stops auth-refresh, as the claim was read before.
    if (verified.refreshable === false) state.refreshable = false;
    return state;
  });
}

const NONE: Promise<undefined> = Promise.resolve(undefined);

export function isSuperuser(auth: AuthState | undefined | null): boolean {
  return auth?.collection.name === '_superusers';
}
