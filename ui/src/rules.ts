/**
 * Rule checking in the browser with the server's own code: `checkRuleSyntax` is the function the
 * collection service calls on save (parser + resolution against the collections), bundled here.
 */
import type { Collection } from '../../src/core/schema.js';
import { checkRuleSyntax } from '../../src/records/rule-syntax.js';
import { RuleSyntaxError, parseRule } from '../../src/rules/index.js';

export type { Collection };

/** The problem with `rule` on the draft `collection`, or null when it is valid (or empty/locked). */
export function ruleProblem(rule: string | null, collection: Collection, all: readonly Collection[]): string | null {
  if (rule === null || rule.trim() === '') return null;
  return checkRuleSyntax(rule, collection, all.filter((c) => c.id !== collection.id));
}

/** Syntax only (no schema), for the records filter box: `{ok}` or the message and column. */
export function filterSyntax(filter: string): { message: string; column: number } | null {
  if (filter.trim() === '') return null;
  try {
    parseRule(filter);
    return null;
  } catch (err) {
    if (err instanceof RuleSyntaxError) return { message: err.message, column: err.column };
    return { message: err instanceof Error ? err.message : String(err), column: 1 };
  }
}
