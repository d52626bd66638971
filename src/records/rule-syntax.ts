import type { Collection } from '../core/schema.js';

/**
 * The single call site where collection rules are syntax-checked.
 *
 * TODO(rules): `src/rules/index.ts` (the rule parser, written in parallel) did not exist when this
 * was written. Replace the body with a call to its parser (parse `expression` against
 * `collection`/`collections`, return its error message or null). Until then only what is certain
 * without the grammar is checked: size, NUL bytes, balanced quotes and parentheses.
 */
export function checkRuleSyntax(
  expression: string,
  _collection: Collection,
  _collections: readonly Collection[],
): string | null {
  if (expression.length > 3500) return 'The rule is too long (max 3500 characters).';
  if (expression.includes('\0')) return 'The rule contains a NUL character.';
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return 'Unbalanced parentheses.';
  }
  if (quote) return 'Unterminated quoted text.';
  if (depth !== 0) return 'Unbalanced parentheses.';
  return null;
}
