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
  return { ...fields, id: state.record.id, collectionId: state.collection.id, collectionName: state.collection.name };
}
