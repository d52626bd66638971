import type { Collection } from '../core/schema.js';
import { TOKEN_TYPES } from './auth-options.js';

/**
 * The collection as API output: every token secret and OAuth2 client secret removed, and only
 * the keys of its type (as PocketBase's MarshalJSON). The HTTP layer uses this for every
 * collection it returns; nothing else may serialise a `Collection` for clients.
 */
export function publicCollection(c: Collection): Collection {
  const out: Collection = structuredClone(c);
  if (out.type !== 'view') delete out.viewQuery;
  if (out.type !== 'auth') {
    for (const key of ['authRule', 'manageRule', 'authAlert', 'oauth2', 'passwordAuth', 'mfa', 'otp', ...TOKEN_TYPES,
      'verificationTemplate', 'resetPasswordTemplate', 'confirmEmailChangeTemplate'] as const) {
      delete out[key];
    }
    return out;
  }
  for (const t of TOKEN_TYPES) {
    const cfg = out[t];
    if (cfg) delete cfg.secret;
  }
  if (out.oauth2) {
    out.oauth2.providers = (out.oauth2.providers ?? []).map((p) => {
      const { clientSecret: _secret, ...rest } = p;
      return rest;
    });
  }
  return out;
}
