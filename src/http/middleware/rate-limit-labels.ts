/**
 * PocketBase's rate-limit labels, so `settings.rateLimits.rules` written for PocketBase mean the
 * same here. A request is known by a list of labels, most specific first:
 *
 * - collection routes: `<collection>:<tag>` for each of the route's tags, then `*:<tag>`, e.g.
 *   `users:authWithPassword`, `users:auth`, `*:authWithPassword`, `*:auth`;
 * - every route: `<METHOD> <path>` then `<path>` (`POST /api/collections/users/records`).
 *
 * Labels are tried in that order: a rule whose label equals it (and whose audience fits: `""`
 * everyone, `@guest`, `@auth`) wins, else a rule label ending in `/` that prefixes it (`/api/`
 * covers every API path, `POST /api/` every POST).
 */
import type { RateLimitRule } from '../../settings/settings-schema.js';

/** Tags of the routes under `/api/collections/:collection/`, PocketBase's names. */
const COLLECTION_ROUTE_TAGS: Readonly<Record<string, readonly string[]>> = {
  'GET records': ['list'],
  'POST records': ['create'],
  'GET records/:id': ['view'],
  'PATCH records/:id': ['update'],
  'DELETE records/:id': ['delete'],
  'GET auth-methods': ['listAuthMethods'],
  'POST auth-refresh': ['authRefresh'],
  'POST auth-with-password': ['authWithPassword', 'auth'],
  'POST auth-with-otp': ['authWithOTP', 'auth'],
  'POST auth-with-totp': ['authWithTOTP', 'auth'],
  'POST auth-with-oauth2': ['authWithOAuth2', 'auth'],
  'POST request-otp': ['requestOTP'],
  'POST request-verification': ['requestVerification'],
  'POST confirm-verification': ['confirmVerification'],
  'POST request-password-reset': ['requestPasswordReset'],
  'POST confirm-password-reset': ['confirmPasswordReset'],
  'POST request-email-change': ['requestEmailChange'],
  'POST confirm-email-change': ['confirmEmailChange'],
  'POST impersonate/:id': ['impersonate'],
};

const COLLECTION_PREFIX = '/api/collections/:collection/';

/** The tags of a collection route (`[]` for other routes), from the route pattern and method. */
export function collectionRouteTags(method: string, routeUrl: string | undefined): readonly string[] {
  if (!routeUrl?.startsWith(COLLECTION_PREFIX)) return [];
  return COLLECTION_ROUTE_TAGS[`${method} ${routeUrl.slice(COLLECTION_PREFIX.length)}`] ?? [];
}

export function requestLabels(method: string, path: string, collectionName: string | undefined, tags: readonly string[]): string[] {
  const labels: string[] = [];
  if (collectionName !== undefined) {
    for (const tag of tags) labels.push(`${collectionName}:${tag}`);
    for (const tag of tags) labels.push(`*:${tag}`);
  }
  labels.push(`${method} ${path}`, path);
  return labels;
}

/** PocketBase's FindRateLimitRule: exact labels in order, prefix rules against the first path label. */
export function findRateLimitRule(rules: readonly RateLimitRule[], labels: readonly string[], isAuth: boolean): RateLimitRule | undefined {
  const audienceFits = (rule: RateLimitRule) => rule.audience === '' || rule.audience === (isAuth ? '@auth' : '@guest');
  const prefixRules = rules.filter((r) => r.label.endsWith('/'));
  for (const label of labels) {
    const exact = rules.find((r) => r.label === label && audienceFits(r));
    if (exact) return exact;
    const prefix = prefixRules.find((r) => `${label}/`.startsWith(r.label) && audienceFits(r));
    if (prefix) return prefix;
  }
  return undefined;
}
