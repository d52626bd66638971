/**
 * `GET /api/collections/{c}/auth-methods` in PocketBase's shape: which ways of logging in the
 * collection offers, plus Galley's `totp` (always available: each record chooses to enrol). Durations are 0 while a method is disabled, and the legacy top-level keys
 * (`authProviders`, `usernamePassword`, `emailPassword`) are still sent because SDKs older than
 * 0.23 read them; newer SDKs ask for `?fields=mfa,otp,password,oauth2` and never see them.
 */
import type { Collection } from '../core/schema.js';

/** One OAuth2 provider as the login page needs it (none are offered until OAuth2 lands). */
export interface AuthProviderInfo {
  name: string;
  displayName: string;
  state: string;
  authURL: string;
  codeVerifier: string;
  codeChallenge: string;
  codeChallengeMethod: string;
}

export interface AuthMethods {
  password: { enabled: boolean; identityFields: string[] };
  oauth2: { enabled: boolean; providers: AuthProviderInfo[] };
  mfa: { enabled: boolean; duration: number };
  otp: { enabled: boolean; duration: number };
  /** Galley: TOTP (authenticator apps) as a second login method, enrolled per record. */
  totp: { enabled: boolean };
  authProviders: AuthProviderInfo[];
  usernamePassword: boolean;
  emailPassword: boolean;
}

export function authMethods(collection: Collection): AuthMethods {
  const password = collection.passwordAuth;
  const passwordEnabled = password?.enabled ?? false;
  const identityFields = passwordEnabled ? [...(password?.identityFields ?? [])] : [];
  return {
    password: { enabled: passwordEnabled, identityFields },
    // Filled in by the route from the OAuth2 service (src/auth/oauth2), which needs I/O for OIDC discovery.
    oauth2: { enabled: false, providers: [] },
    mfa: collection.mfa?.enabled ? { enabled: true, duration: collection.mfa.duration } : { enabled: false, duration: 0 },
    otp: collection.otp?.enabled ? { enabled: true, duration: collection.otp.duration } : { enabled: false, duration: 0 },
    totp: { enabled: true },
    authProviders: [],
    usernamePassword: identityFields.includes('username'),
    emailPassword: identityFields.includes('email'),
  };
}
