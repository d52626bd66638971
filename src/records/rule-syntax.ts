import type { Collection } from '../core/schema.js';
import { prepareRule, RuleCache, RuleSyntaxError, RULE_PARSE_LIMITS, type PreparedRule } from '../rules/index.js';

/**
 * The single call site where collection rules are checked: parsed and resolved by the rule
 * engine against the collection being saved (its final fields) and the other collections, so an
 * unknown field or relation path is caught at save time, as PocketBase does. Returns the
 * problem, or null.
 *
 * The draft collection is not in any schema version yet, so each check gets a throwaway cache
 * instead of the process-wide one (whose key would match the stored collection's).
 */
export function checkRuleSyntax(expression: string, collection: Collection, collections: readonly Collection[]): string | null {
  const byId = new Map<string, Collection>([...collections.map((c) => [c.id, c] as const), [collection.id, collection]]);
  const byName = new Map<string, Collection>([...collections.map((c) => [c.name.toLowerCase(), c] as const), [collection.name.toLowerCase(), collection]]);
  const schema = {
    version: -1,
    find: (nameOrId: string) => byId.get(nameOrId) ?? byName.get(nameOrId.toLowerCase()),
  };
  try {
    // Collection rules are written by superusers and may be longer than client filters.
    prepareRule(expression, { collection, schema, limits: RULE_PARSE_LIMITS, cache: new RuleCache<PreparedRule | Error>(1) });
    return null;
  } catch (err) {
    if (err instanceof RuleSyntaxError) return err.message;
    // anything else the engine throws still means the rule cannot be used: never a 500 for input
    return err instanceof Error ? err.message : 'Invalid rule.';
  }
}
