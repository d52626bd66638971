/** The authenticated record as rules see it: its fields plus PocketBase's two system keys. */
export type AuthRecord = Record<string, unknown> & { id: string; collectionId: string; collectionName: string };

/**
 * What `@request.*` reads. `headers` keys are normalised by the rule language itself (lowercase,
 * `-` -> `_`), so callers may pass raw header names. `body` is the parsed request body (for
 * realtime: `{}`); `context` is one of PocketBase's request contexts.
 */
export interface RequestInfo {
  auth: AuthRecord | null;
  body?: Record<string, unknown>;
  query?: Record<string, unknown>;
  headers?: Record<string, unknown>;
  method?: string;
  context?: 'default' | 'oauth2' | 'otp' | 'password' | 'realtime' | 'protectedFile' | 'expand' | 'batch' | (string & {});
}

export const GUEST: RequestInfo = Object.freeze({ auth: null, body: {}, query: {}, headers: {}, method: 'GET', context: 'default' });
