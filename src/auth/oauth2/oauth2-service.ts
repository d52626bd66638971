/**
 * OAuth2 / OpenID Connect login (PocketBase's auth-with-oauth2): the providers `auth-methods`
 * lists (with a fresh PKCE pair and state each time, as PocketBase), the code exchange, the
 * provider's user, and which record that user is:
 *
 * 1. a record already linked to (provider, provider user id) in `_externalAuths`;
 * 2. else a record of the collection whose email equals the provider's email, only when the
 *    provider vouches for that email (verified flag) — an unverified email never links;
 * 3. else a new record from `createData` + the mapped fields (when the collection's createRule
 *    allows guests to sign up, or the caller is a superuser).
 *
 * Named providers exchange the code with a plain RFC 6749 token request; `oidc*` providers go
 * through `openid-client` (discovery, token exchange with id_token validation, user info). The
 * login then completes like every other method (`app.auth.completeLogin`, method `oauth2`).
 */
import { createHash, randomBytes } from 'node:crypto';
import type * as OpenIdClient from 'openid-client';
import { ApiError, apiError, fieldError, validationError } from '../../core/errors.js';
import type { Collection } from '../../core/schema.js';
import type { Database, Queryable } from '../../db/database.js';
import { randomRecordId } from '../../lib/random-string.js';
import type { RecordService } from '../../records/record-service.js';
import { findAuthRecord } from '../auth-record.js';
import type { AuthRecord } from '../auth-record.js';
import type { AuthProviderInfo } from '../auth-methods.js';
import { ensureAuthTables } from '../auth-tables.js';
import { SYSTEM_CONTEXT } from '../system-context.js';
import { NAMED_PROVIDERS, OIDC_PROVIDERS, oidcClaimsUser } from './providers.js';
import type { NamedProvider, OAuth2User, TokenSet } from './providers.js';

/** A provider as stored in the collection's `oauth2.providers[]` (PocketBase's names). */
export interface ProviderSettings {
  name: string;
  clientId: string;
  clientSecret: string;
  authURL: string;
  tokenURL: string;
  userInfoURL: string;
  displayName: string;
  pkce: boolean | null;
  extra: Record<string, unknown> | null;
}

export interface OAuth2Input {
  provider: unknown;
  code: unknown;
  codeVerifier: unknown;
  redirectURL: unknown;
  createData: unknown;
}

export interface OAuth2Identity {
  record: AuthRecord;
  meta: Record<string, unknown>;
}

export interface OAuth2Deps {
  db: Database;
  records: RecordService;
}

const FAILED = 'Failed to authenticate.';
const REQUEST_TIMEOUT_MS = 15_000;

// Loaded on the first OIDC discovery, not at start: it brings oauth4webapi and jose with it, and
// most nodes never talk to an OIDC provider. Kept once loaded, as argon2 in password.ts.
let openIdClientModule: Promise<typeof OpenIdClient> | undefined;
const openIdClient = (): Promise<typeof OpenIdClient> => (openIdClientModule ??= import('openid-client'));

const b64url = (buf: Buffer): string => buf.toString('base64url');

function settingsOf(raw: Record<string, unknown>): ProviderSettings {
  const s = (v: unknown): string => (typeof v === 'string' ? v : '');
  return {
    name: s(raw.name),
    clientId: s(raw.clientId),
    clientSecret: s(raw.clientSecret),
    authURL: s(raw.authURL),
    tokenURL: s(raw.tokenURL),
    userInfoURL: s(raw.userInfoURL),
    displayName: s(raw.displayName),
    pkce: typeof raw.pkce === 'boolean' ? raw.pkce : null,
    extra: raw.extra !== null && typeof raw.extra === 'object' ? (raw.extra as Record<string, unknown>) : null,
  };
}

/** The collection's usable providers (OAuth2 enabled, a known name, a client id). */
export function enabledProviders(collection: Collection): ProviderSettings[] {
  if (collection.type !== 'auth' || !collection.oauth2?.enabled) return [];
  return collection.oauth2.providers
    .map(settingsOf)
    .filter((p) => p.clientId !== '' && (Object.hasOwn(NAMED_PROVIDERS, p.name) || OIDC_PROVIDERS.has(p.name)));
}

export class OAuth2Service {
  readonly #deps: OAuth2Deps;
  /** Discovered OIDC configurations by issuer + client id (kept 10 minutes). */
  readonly #discovered = new Map<string, { at: number; config: Promise<OpenIdClient.Configuration> }>();

  constructor(deps: OAuth2Deps) {
    this.#deps = deps;
  }

  /** The providers for `auth-methods`: each with a new state and PKCE pair and its authURL. */
  async listProviders(collection: Collection): Promise<AuthProviderInfo[]> {
    const out: AuthProviderInfo[] = [];
    for (const settings of enabledProviders(collection)) {
      try {
        out.push(await this.#providerInfo(settings));
      } catch {
        // An OIDC issuer that cannot be discovered right now is left out rather than failing the list.
      }
    }
    return out;
  }

  async #providerInfo(settings: ProviderSettings): Promise<AuthProviderInfo> {
    const named = NAMED_PROVIDERS[settings.name];
    const state = b64url(randomBytes(24));
    const codeVerifier = b64url(randomBytes(48));
    const pkce = settings.pkce ?? named?.pkce ?? true;
    const codeChallenge = pkce ? b64url(createHash('sha256').update(codeVerifier).digest()) : '';
    let authURL = settings.authURL || named?.authURL || '';
    if (named === undefined && settings.authURL === '') {
      authURL = (await this.#oidcConfig(settings)).serverMetadata().authorization_endpoint ?? '';
    }
    const scopes = stringList(settings.extra?.scopes) ?? named?.scopes ?? ['openid', 'profile', 'email'];
    const params = new URLSearchParams({ client_id: settings.clientId, response_type: 'code', scope: scopes.join(' '), state });
    if (pkce) {
      params.set('code_challenge', codeChallenge);
      params.set('code_challenge_method', 'S256');
    }
    const base = authURL.includes('?') ? `${authURL}&` : `${authURL}?`;
    // As PocketBase: the URL ends with an empty redirect_uri= the client completes.
    const url = `${base}${params.toString()}&redirect_uri=`;
    return {
      name: settings.name,
      displayName: settings.displayName || named?.displayName || settings.name.toUpperCase(),
      state,
      authURL: url,
      codeVerifier: pkce ? codeVerifier : '',
      codeChallenge,
      codeChallengeMethod: pkce ? 'S256' : '',
    };
  }

  /** Exchanges the code and resolves (or creates) the record; throws PocketBase's 400s. */
  async authenticate(collection: Collection, input: OAuth2Input, isSuperuser: boolean): Promise<OAuth2Identity> {
    if (!collection.oauth2?.enabled) throw apiError('forbidden', 'The collection is not configured to allow OAuth2 authentication.');
    const name = typeof input.provider === 'string' ? input.provider : '';
    const code = typeof input.code === 'string' ? input.code : '';
    const codeVerifier = typeof input.codeVerifier === 'string' ? input.codeVerifier : '';
    const redirectURL = typeof input.redirectURL === 'string' ? input.redirectURL : '';
    const errors: Record<string, ReturnType<typeof fieldError>> = {};
    if (name === '') errors.provider = fieldError('validation_required');
    if (code === '') errors.code = fieldError('validation_required');
    else if (code.length > 4096) errors.code = fieldError('validation_max_text_constraint', { max: 4096 });
    if (codeVerifier.length > 255) errors.codeVerifier = fieldError('validation_max_text_constraint', { max: 255 });
    if (redirectURL.length > 2048) errors.redirectURL = fieldError('validation_max_text_constraint', { max: 2048 });
    const createData = input.createData === undefined || input.createData === null ? {} : input.createData;
    if (typeof createData !== 'object' || Array.isArray(createData)) errors.createData = fieldError('validation_invalid_value');
    if (Object.keys(errors).length > 0) throw validationError(errors, 'An error occurred while validating the submitted data.');
    const settings = enabledProviders(collection).find((p) => p.name === name);
    if (!settings) throw validationError({ provider: fieldError('validation_invalid_value') }, 'An error occurred while validating the submitted data.');

    let user: OAuth2User;
    let tokens: TokenSet;
    try {
      ({ user, tokens } = await this.#exchange(settings, code, codeVerifier, redirectURL));
    } catch (err) {
      // Whatever the provider or the network said, the client learns only that it failed.
      if (err instanceof ApiError) throw err;
      throw apiError('bad_request', FAILED);
    }
    if (user.id === '') throw apiError('bad_request', FAILED);

    const { record, isNew } = await this.#resolveRecord(collection, settings.name, user, createData as Record<string, unknown>, isSuperuser);
    const meta: Record<string, unknown> = {
      id: user.id,
      name: user.name,
      username: user.username,
      email: user.email,
      avatarURL: user.avatarURL,
      isNew,
      rawUser: user.rawUser,
      accessToken: tokens.accessToken,
      refreshToken: tokens.refreshToken,
      expiry: tokens.expiresIn > 0 ? new Date(Date.now() + tokens.expiresIn * 1000).toISOString().replace('T', ' ') : '',
    };
    return { record, meta };
  }

  async #exchange(settings: ProviderSettings, code: string, codeVerifier: string, redirectURL: string): Promise<{ user: OAuth2User; tokens: TokenSet }> {
    const named = NAMED_PROVIDERS[settings.name];
    if (named === undefined) return this.#oidcExchange(settings, code, codeVerifier, redirectURL);
    const tokens = await this.#tokenRequest(named, settings, code, codeVerifier, redirectURL);
    const userInfoURL = settings.userInfoURL || named.userInfoURL;
    const fetchJson = (url: string): Promise<unknown> => getJson(url, tokens.accessToken);
    const user = await named.user({
      fetch: fetchJson,
      userInfoURL,
      tokens,
      idTokenClaims: () => verifyIdToken(tokens.idToken, userInfoURL, settings),
    });
    return { user, tokens };
  }

  /** RFC 6749 section 4.1.3 (+ PKCE's code_verifier), client credentials in the body. */
  async #tokenRequest(named: NamedProvider, settings: ProviderSettings, code: string, codeVerifier: string, redirectURL: string): Promise<TokenSet> {
    const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectURL, client_id: settings.clientId });
    if (settings.clientSecret !== '') body.set('client_secret', settings.clientSecret);
    if ((settings.pkce ?? named.pkce) && codeVerifier !== '') body.set('code_verifier', codeVerifier);
    const res = await fetch(settings.tokenURL || named.tokenURL, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    let data: Record<string, unknown>;
    try {
      data = JSON.parse(text) as Record<string, unknown>;
    } catch {
      data = Object.fromEntries(new URLSearchParams(text));
    }
    // GitHub answers errors with 200 and an `error` key.
    if (!res.ok || typeof data.error === 'string' || typeof data.access_token !== 'string') throw new Error('token request failed');
    return {
      accessToken: data.access_token,
      refreshToken: typeof data.refresh_token === 'string' ? data.refresh_token : '',
      idToken: typeof data.id_token === 'string' ? data.id_token : '',
      expiresIn: Number(data.expires_in) > 0 ? Number(data.expires_in) : 0,
    };
  }

  #oidcConfig(settings: ProviderSettings): Promise<OpenIdClient.Configuration> {
    const issuer = typeof settings.extra?.issuer === 'string' && settings.extra.issuer !== '' ? settings.extra.issuer : originOf(settings.authURL);
    if (issuer === '') return Promise.reject(new Error('oidc provider without issuer'));
    const key = `${issuer}\n${settings.clientId}\n${settings.clientSecret}`;
    const cached = this.#discovered.get(key);
    if (cached && Date.now() - cached.at < 600_000) return cached.config;
    // Plain HTTP only for an issuer on this machine (a local test or development provider).
    const insecure = isLoopbackHttp(issuer);
    const config = openIdClient().then(async (client) => {
      const discovered = await client.discovery(new URL(issuer), settings.clientId, settings.clientSecret, undefined, {
        ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
        timeout: REQUEST_TIMEOUT_MS / 1000,
      });
      if (!settings.authURL && !settings.tokenURL && !settings.userInfoURL) return discovered;
      // The collection's URL overrides win over discovery (as the named providers' do).
      const { supportsPKCE: _pkce, ...found } = discovered.serverMetadata();
      const meta: OpenIdClient.ServerMetadata = {
        ...found,
        ...(settings.authURL ? { authorization_endpoint: settings.authURL } : {}),
        ...(settings.tokenURL ? { token_endpoint: settings.tokenURL } : {}),
        ...(settings.userInfoURL ? { userinfo_endpoint: settings.userInfoURL } : {}),
      };
      const c = new client.Configuration(meta, settings.clientId, settings.clientSecret);
      if (insecure) client.allowInsecureRequests(c);
      return c;
    });
    config.catch(() => this.#discovered.delete(key));
    this.#discovered.set(key, { at: Date.now(), config });
    return config;
  }

  async #oidcExchange(settings: ProviderSettings, code: string, codeVerifier: string, redirectURL: string): Promise<{ user: OAuth2User; tokens: TokenSet }> {
    const config = await this.#oidcConfig(settings);
    const client = await openIdClient();
    const callback = new URL(redirectURL === '' ? 'http://invalid/' : redirectURL);
    callback.search = new URLSearchParams({ code }).toString();
    // The SDK forwards only the code; the issuer it came back with (RFC 9207) is taken as the
    // configured one, so mix-up protection rests on the per-provider redirect.
    const metadata = config.serverMetadata();
    if (metadata.authorization_response_iss_parameter_supported) callback.searchParams.set('iss', metadata.issuer);
    const pkce = settings.pkce ?? true;
    const res = await client.authorizationCodeGrant(
      config,
      callback,
      { ...(pkce && codeVerifier !== '' ? { pkceCodeVerifier: codeVerifier } : {}), idTokenExpected: true },
    );
    const claims: Record<string, unknown> = res.claims() ?? {};
    let raw: Record<string, unknown> = { ...claims };
    if (metadata.userinfo_endpoint) {
      raw = { ...raw, ...(await client.fetchUserInfo(config, res.access_token, String(claims.sub ?? ''))) };
    }
    return {
      user: oidcClaimsUser(raw),
      tokens: { accessToken: res.access_token, refreshToken: res.refresh_token ?? '', idToken: res.id_token ?? '', expiresIn: res.expiresIn() ?? 0 },
    };
  }

  async #resolveRecord(
    collection: Collection,
    provider: string,
    user: OAuth2User,
    createData: Record<string, unknown>,
    isSuperuser: boolean,
  ): Promise<{ record: AuthRecord; isNew: boolean }> {
    const { db } = this.#deps;
    await ensureAuthTables(db);
    const link = await db.get<{ recordRef: string }>(
      `SELECT "recordRef" FROM "_externalAuths" WHERE "collectionRef" = ? AND "provider" = ? AND "providerId" = ?`,
      [collection.id, provider, user.id],
    );
    if (link) {
      const linked = await findAuthRecord(db, collection, 'id', link.recordRef);
      if (linked) return { record: linked, isNew: false };
      await db.run(`DELETE FROM "_externalAuths" WHERE "collectionRef" = ? AND "recordRef" = ?`, [collection.id, link.recordRef]);
    }
    if (user.email !== '' && user.verified) {
      const byEmail = await findAuthRecord(db, collection, 'email', user.email);
      if (byEmail) {
        await linkExternalAuth(db, collection.id, byEmail.id, provider, user.id);
        let record = byEmail;
        if (!byEmail.verified) {
          await this.#deps.records.update(collection.id, byEmail.id, { verified: true }, {}, SYSTEM_CONTEXT);
          record = (await findAuthRecord(db, collection, 'id', byEmail.id)) ?? byEmail;
        }
        return { record, isNew: false };
      }
    }
    if (collection.createRule === null && !isSuperuser) {
      throw apiError('forbidden', 'The collection does not allow creating new records through OAuth2.');
    }
    const record = await this.#createRecord(collection, provider, user, createData);
    return { record, isNew: true };
  }

  async #createRecord(collection: Collection, provider: string, user: OAuth2User, createData: Record<string, unknown>): Promise<AuthRecord> {
    const body: Record<string, unknown> = { ...createData };
    for (const key of ['id', 'verified', 'tokenKey']) delete body[key];
    const fieldsByName = new Map(collection.fields.map((f) => [f.name, f]));
    const mapped = collection.oauth2?.mappedFields ?? { id: '', name: '', username: '', avatarURL: '' };
    const put = (field: string, value: string): void => {
      const f = fieldsByName.get(field);
      // File fields would need the avatar downloaded; only text-like fields take the value.
      if (field === '' || value === '' || f === undefined || body[field] !== undefined) return;
      if (f.type === 'text' || f.type === 'url' || f.type === 'editor' || f.type === 'email') body[field] = value;
    };
    put(mapped.id, user.id);
    put(mapped.name, user.name);
    put(mapped.username, user.username);
    put(mapped.avatarURL, user.avatarURL);
    if (body.email === undefined && user.email !== '') {
      const taken = await findAuthRecord(this.#deps.db, collection, 'email', user.email);
      // Reached only with an unverified provider email (a verified one links above).
      if (taken) throw validationError({ email: fieldError('validation_not_unique') }, 'The email belongs to an existing account; the provider does not vouch for it, so it cannot be linked.');
      body.email = user.email;
    }
    if (body.password === undefined) {
      const password = b64url(randomBytes(24));
      body.password = password;
      body.passwordConfirm = password;
    }
    // A provider-verified address needs no verification mail.
    body.verified = body.email !== undefined && body.email === user.email && user.verified;
    return this.#deps.db.transaction(async () => {
      const created = await this.#deps.records.create(collection.id, body, {}, SYSTEM_CONTEXT);
      await linkExternalAuth(this.#deps.db, collection.id, String(created.record.id), provider, user.id);
      const record = await findAuthRecord(this.#deps.db, collection, 'id', String(created.record.id));
      if (!record) throw apiError('bad_request', FAILED);
      return record;
    });
  }
}

export async function linkExternalAuth(db: Queryable, collectionId: string, recordId: string, provider: string, providerId: string): Promise<void> {
  const now = Date.now();
  await db.run(
    `INSERT INTO "_externalAuths" ("id", "collectionRef", "recordRef", "provider", "providerId", "created", "updated")
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT ("collectionRef", "provider", "providerId") DO NOTHING`,
    [randomRecordId(), collectionId, recordId, provider, providerId, now, now],
  );
}

function isLoopbackHttp(url: string): boolean {
  const u = new URL(url);
  return u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname);
}

function originOf(url: string): string {
  try {
    return url === '' ? '' : new URL(url).origin;
  } catch {
    return '';
  }
}

function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((s) => typeof s === 'string') ? (v as string[]) : undefined;
}

async function getJson(url: string, accessToken: string): Promise<unknown> {
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json', 'user-agent': 'Galley' },
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  if (!res.ok) throw new Error(`user info request failed: ${res.status}`);
  return res.json();
}

/** Apple's id_token: signature from the JWKS at `jwksURL`, audience = client id, Apple's issuer. */
async function verifyIdToken(idToken: string, jwksURL: string, settings: ProviderSettings): Promise<Record<string, unknown>> {
  if (idToken === '') throw new Error('no id_token');
  const { createRemoteJWKSet, jwtVerify } = await import('jose');
  const issuer = typeof settings.extra?.issuer === 'string' && settings.extra.issuer !== '' ? settings.extra.issuer : 'https://appleid.apple.com';
  const { payload } = await jwtVerify(idToken, createRemoteJWKSet(new URL(jwksURL)), { issuer, audience: settings.clientId });
  return payload as Record<string, unknown>;
}
