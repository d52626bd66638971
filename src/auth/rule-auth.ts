/**
 * The requester as the rule language sees it (`@request.auth.*`): the auth record's fields plus
 * PocketBase's `collectionId`/`collectionName`, without `password` and `tokenKey` (a rule never
 * needs the secrets, and keeping them out means no rule or hook can leak them).
 */
import type { AuthRecord as RuleAuthRecord } from '../rules/index.js';
import type { AuthState } from './auth-record.js';

export function ruleAuth(state: AuthState | null | undefined): RuleAuthRecord | null {
  if (!state) return null;
  const { password: _password, tokenKey: _tokenKey, ...fields } = state.record;
  return {
    ...fields,
    id: state.record.id,
    collectionId: state.collection.id,
    collectionName: state.collection.name,
    amr: amrFlags(state.amr ?? []),
  };
}

/**
 * The session's authentication methods as rules read them: `@request.auth.amr.totp = true` when
 * TOTP was one of them, `@request.auth.amr.mfa = true` when two different methods were used.
 * Flags rather than the list, because a rule compares scalars (`?=` does not apply to request
 * values); an absent method reads as null, so `= true` is false.
 */
export function amrFlags(amr: readonly string[]): Record<string, boolean> {
  const flags: Record<string, boolean> = {};
  for (const method of amr) flags[method] = true;
  flags.mfa = new Set(amr).size >= 2;
  return flags;
}
