/**
 * The requester as the rule language sees it (`@request.auth.*`): the auth record's fields plus
 * PocketBase's `collectionId`/`collectionName`. One conversion, used by every route that builds a
 * rule request from `request.auth`.
 */
import type { AuthRecord as RuleAuthRecord } from '../rules/index.js';
import type { AuthState } from './auth-record.js';

export function ruleAuth(state: AuthState | null | undefined): RuleAuthRecord | null {
  if (!state) return null;
  return { ...state.record, collectionId: state.collection.id, collectionName: state.collection.name };
}
