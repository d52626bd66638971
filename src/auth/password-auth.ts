/**
 * Password checks and token refresh for auth collections (PocketBase's auth-with-password and
 * auth-refresh; the login itself completes in `AuthService`), with PocketBase's `{token, record}`. Wrong identity and wrong password give
 * the same answer after the same work, so the API does not reveal who is registered.
 */
import { apiError } from '../core/errors.js';
import type { Collection } from '../core/schema.js';
import type { Queryable } from '../db/database.js';
import type { RequestInfo, SchemaLookup } from '../rules/index.js';
import { findAuthRecord } from './auth-record.js';
import type { AuthRecord, AuthState } from './auth-record.js';
import { checkAuthRule, hasAuthRule } from './auth-rule.js';
import type { AuthDeps } from './authenticate.js';
import { verifyPasswordOrDummy } from './password.js';
import { signToken, signingKey } from './tokens.js';

export interface AuthResponse {
  token: string;
  record: AuthRecord;
  collection: Collection;
  /** Sent as the response's `meta` (OAuth2's provider data in PocketBase); absent for other methods. */
  meta?: Record<string, unknown>;
}

const FAILED = 'Failed to authenticate.';

export interface PasswordAuthDeps {
  db: Queryable;
  collections: SchemaLookup;
}

/** Who is asking: the rule request as it arrived (before any login) and whether it is a superuser. */
export interface Requester {
  request: RequestInfo;
  isSuperuser: boolean;
}

/** The auth collection named by a route, or the 404 PocketBase answers for others. */
export function authCollection(collections: AuthDeps['collections'], nameOrId: string): Collection {
  const collection = collections.find(nameOrId);
  if (!collection) throw apiError('collection_not_found');
  if (collection.type !== 'auth') throw apiError('not_found', 'Missing or invalid auth collection context.');
  return collection;
}

/** Synchronous: signing is an HMAC; an async wrapper only cost a promise per token. */
export function issueAuthToken(
  collection: Collection,
  record: AuthRecord,
  refreshable = true,
  duration?: number,
  amr?: readonly string[],
): string {
  const config = collection.authToken;
  if (!config?.secret) throw apiError('internal');
  return signToken(
    { id: record.id, type: 'auth', collectionId: collection.id, refreshable, ...(amr && amr.length > 0 ? { amr: [...amr] } : {}) },
    signingKey(record.tokenKey, config.secret),
    duration ?? config.duration,
  );
}

/** The login identity as the brute-force guard counts it ('' when the input is unusable). */
export function passwordIdentity(input: { identity: unknown }): string {
  return typeof input.identity === 'string' ? input.identity.trim().toLowerCase().slice(0, 255) : '';
}

/**
 * The record whose identity and password match, or the generic 400. Only the first step of a
 * password login: `AuthService.passwordLogin` wraps it with the brute-force guard and completes
 * the login (authRule, MFA, token, alerts); nothing else should hand out a token after it.
 */
export async function verifyPasswordIdentity(
  deps: PasswordAuthDeps,
  collection: Collection,
  input: { identity: unknown; password: unknown; identityField?: unknown },
): Promise<AuthRecord> {
  const passwordAuth = collection.passwordAuth ?? { enabled: true, identityFields: ['email'] };
  if (!passwordAuth.enabled) throw apiError('forbidden', 'The collection is not configured to allow password authentication.');
  const identity = typeof input.identity === 'string' ? input.identity : '';
  const password = typeof input.password === 'string' ? input.password : '';
  if (identity === '' || password === '' || identity.length > 255 || password.length > 1024) {
    throw apiError('bad_request', FAILED);
  }
  const fields = identityFieldsFor(passwordAuth.identityFields, identity, input.identityField);
  let record: AuthRecord | undefined;
  for (const field of fields) {
    record = await findAuthRecord(deps.db, collection, field, identity);
    if (record) break;
  }
  const ok = await verifyPasswordOrDummy(record?.password || undefined, password);
  if (!record || !ok) throw apiError('bad_request', FAILED);
  return record;
}

/** Email first when the identity looks like one, as PocketBase does; an explicit field must be listed. */
function identityFieldsFor(allowed: readonly string[], identity: string, requested: unknown): string[] {
  if (typeof requested === 'string' && requested !== '') {
    if (!allowed.includes(requested)) throw apiError('bad_request', FAILED);
    return [requested];
  }
  const fields = [...allowed];
  if (identity.includes('@') && fields.includes('email')) {
    fields.splice(fields.indexOf('email'), 1);
    fields.unshift('email');
  }
  return fields;
}

/**
 * Re-issues a token for the authenticated record of `collection`. Non-refreshable tokens
 * (impersonation) are echoed back unchanged, as PocketBase does. The authRule is checked again
 * (with the record itself as the requester), so tightening it also stops refreshes.
 */
export async function authRefresh(
  deps: PasswordAuthDeps,
  collection: Collection,
  auth: AuthState | undefined | null,
  currentToken: string | undefined,
  refreshable: boolean,
  /** The rule request, built only when the collection's auth rule needs it (most have none). */
  request: () => RequestInfo,
): Promise<AuthResponse> {
  if (!auth || !currentToken) throw apiError('unauthorized', 'The request requires valid record authorization token.');
  if (auth.collection.id !== collection.id) {
    throw apiError('forbidden', 'The request requires valid record authorization token to be set.');
  }
  // An API key must not be turned into a (broader, unscoped) token.
  if (auth.apiKey) throw apiError('forbidden', 'API keys cannot be refreshed into tokens.');
  if (hasAuthRule(collection)) await checkAuthRule({ db: deps.db, schema: deps.collections }, collection, auth.record.id, request(), collection.name === '_superusers');
  const token = refreshable ? issueAuthToken(collection, auth.record, true, undefined, auth.amr) : currentToken;
  return { token, record: auth.record, collection };
}
