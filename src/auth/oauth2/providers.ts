/**
 * The OAuth2 providers Galley knows by name: their endpoints, scopes and how each one's user info
 * maps onto PocketBase's OAuth2 user (`id`, `name`, `username`, `email`, verified flag, avatar URL).
 * Every endpoint can be overridden per collection (`oauth2.providers[].authURL/tokenURL/userInfoURL`),
 * which is also how self-hosted GitLab works. `oidc`, `oidc2`, `oidc3` are generic OpenID Connect
 * providers found by discovery (`openid-client`, see oauth2-service.ts).
 */

/** A provider's user as PocketBase's `meta` reports it (before `isNew`, tokens and expiry). */
export interface OAuth2User {
  id: string;
  name: string;
  username: string;
  email: string;
  /** Whether the provider vouches that `email` belongs to the user (only then may it link accounts). */
  verified: boolean;
  avatarURL: string;
  rawUser: Record<string, unknown>;
}

/** Fetches JSON from the provider with the access token (the service supplies it). */
export type ProviderFetch = (url: string) => Promise<unknown>;

export interface TokenSet {
  accessToken: string;
  refreshToken: string;
  idToken: string;
  /** Seconds the access token lives (0 = unknown). */
  expiresIn: number;
}

export interface NamedProvider {
  name: string;
  displayName: string;
  authURL: string;
  tokenURL: string;
  userInfoURL: string;
  scopes: string[];
  /** PKCE on by default (a provider's `pkce: false` setting turns it off). */
  pkce: boolean;
  /** Maps the provider's answers to the user; `userInfoURL` is the effective (maybe overridden) one. */
  user(input: { fetch: ProviderFetch; userInfoURL: string; tokens: TokenSet; idTokenClaims: () => Promise<Record<string, unknown>> }): Promise<OAuth2User>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** Standard OpenID Connect claims (Google, generic OIDC, Apple's id_token). */
export function oidcClaimsUser(raw: Record<string, unknown>): OAuth2User {
  return {
    id: str(raw.sub),
    name: str(raw.name),
    username: str(raw.preferred_username),
    email: str(raw.email),
    verified: raw.email_verified === true || raw.email_verified === 'true',
    avatarURL: str(raw.picture),
    rawUser: raw,
  };
}

export const NAMED_PROVIDERS: Record<string, NamedProvider> = {
  google: {
    name: 'google',
    displayName: 'Google',
    authURL: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenURL: 'https://oauth2.googleapis.com/token',
    userInfoURL: 'https://www.googleapis.com/oauth2/v3/userinfo',
    scopes: ['openid', 'https://www.googleapis.com/auth/userinfo.profile', 'https://www.googleapis.com/auth/userinfo.email'],
    pkce: true,
    async user({ fetch, userInfoURL }) {
      return oidcClaimsUser(obj(await fetch(userInfoURL)));
    },
  },
  github: {
    name: 'github',
    displayName: 'GitHub',
    authURL: 'https://github.com/login/oauth/authorize',
    tokenURL: 'https://github.com/login/oauth/access_token',
    userInfoURL: 'https://api.github.com/user',
    scopes: ['read:user', 'user:email'],
    pkce: true,
    async user({ fetch, userInfoURL }) {
      const raw = obj(await fetch(userInfoURL));
      let email = str(raw.email);
      let verified = false;
      // The profile's public email carries no verified flag: the primary verified address from
      // /user/emails (the `user:email` scope) is the one that can link accounts.
      try {
        const emails = await fetch(`${userInfoURL.replace(/\/$/, '')}/emails`);
        const primary = Array.isArray(emails) ? emails.map(obj).find((e) => e.primary === true && e.verified === true) : undefined;
        if (primary) {
          email = str(primary.email);
          verified = true;
        }
      } catch {
        // no email scope granted: keep the public email, unverified
      }
      return { id: str(raw.id), name: str(raw.name), username: str(raw.login), email, verified, avatarURL: str(raw.avatar_url), rawUser: raw };
    },
  },
  microsoft: {
    name: 'microsoft',
    displayName: 'Microsoft',
    authURL: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
    tokenURL: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
    userInfoURL: 'https://graph.microsoft.com/v1.0/me',
    scopes: ['User.Read'],
    pkce: true,
    async user({ fetch, userInfoURL }) {
      const raw = obj(await fetch(userInfoURL));
      // Graph's `mail` is whatever the tenant typed in: not a verified address.
      return { id: str(raw.id), name: str(raw.displayName), username: '', email: str(raw.mail), verified: false, avatarURL: '', rawUser: raw };
    },
  },
  apple: {
    name: 'apple',
    displayName: 'Apple',
    authURL: 'https://appleid.apple.com/auth/authorize',
    tokenURL: 'https://appleid.apple.com/auth/token',
    // Apple has no user-info endpoint: the user is the signed id_token (checked against this JWKS).
    userInfoURL: 'https://appleid.apple.com/auth/keys',
    scopes: ['name', 'email'],
    pkce: true,
    async user({ idTokenClaims }) {
      const claims = await idTokenClaims();
      return { ...oidcClaimsUser(claims), username: '', avatarURL: '' };
    },
  },
  gitlab: {
    name: 'gitlab',
    displayName: 'GitLab',
    authURL: 'https://gitlab.com/oauth/authorize',
    tokenURL: 'https://gitlab.com/oauth/token',
    userInfoURL: 'https://gitlab.com/api/v4/user',
    scopes: ['read_user'],
    pkce: true,
    async user({ fetch, userInfoURL }) {
      const raw = obj(await fetch(userInfoURL));
      // GitLab only lets a user sign in with a confirmed primary email (`confirmed_at` set).
      const verified = str(raw.confirmed_at) !== '' && str(raw.state) !== 'blocked';
      return { id: str(raw.id), name: str(raw.name), username: str(raw.username), email: str(raw.email), verified, avatarURL: str(raw.avatar_url), rawUser: raw };
    },
  },
  discord: {
    name: 'discord',
    displayName: 'Discord',
    authURL: 'https://discord.com/api/oauth2/authorize',
    tokenURL: 'https://discord.com/api/oauth2/token',
    userInfoURL: 'https://discord.com/api/users/@me',
    scopes: ['identify', 'email'],
    pkce: true,
    async user({ fetch, userInfoURL }) {
      const raw = obj(await fetch(userInfoURL));
      const id = str(raw.id);
      const avatar = str(raw.avatar);
      const avatarURL = avatar === '' ? '' : `https://cdn.discordapp.com/avatars/${id}/${avatar}.png`;
      return { id, name: str(raw.global_name) || str(raw.username), username: str(raw.username), email: str(raw.email), verified: raw.verified === true, avatarURL, rawUser: raw };
    },
  },
};

/** Generic OpenID Connect slots (as PocketBase's `oidc`, `oidc2`, `oidc3`). */
export const OIDC_PROVIDERS = new Set(['oidc', 'oidc2', 'oidc3']);

export function isKnownProvider(name: string): boolean {
  return Object.hasOwn(NAMED_PROVIDERS, name) || OIDC_PROVIDERS.has(name);
}
