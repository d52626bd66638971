/**
 * The rule/filter language (PocketBase's syntax): parse once, resolve against the collection
 * model, then render as parameterised SQL (SQLite or PostgreSQL) or match a record in memory.
 *
 * Public API:
 * - `compileFilter(expr, { collection, schema, dialect, request?, alias?, allowHiddenFields?, params? })`
 *   -> `{ sql, params }`: a WHERE fragment with `?` placeholders (the `Database` adapts them);
 *   `params` fills `{:name}` placeholders written by server code.
 * - `matchRecord(expr, { collection, schema, record, request? })` -> `true | false | 'undecided'`
 *   (undecided when other rows are needed: `@collection`, back-relations, unexpanded relations).
 * - `prepareRule(expr, options)` -> `PreparedRule` (cached; `.toSql()`, `.match()`,
 *   `.usesRequestOrCollection`) for callers that evaluate one rule many times (realtime).
 * - `parseSort(sort, { collection, schema, dialect, alias? })` -> `{ sql }` for ORDER BY.
 * - `parseRule(expr, limits?)` -> the typed AST; `RuleSyntaxError` (with `column`). Limits default
 *   to the client filter limits (3500 chars, 200 comparisons); pass `limits: RULE_PARSE_LIMITS`
 *   for collection rules.
 *   `invalidFilterError(err)` / `invalidSortError(err)` -> the 400 ApiError for clients.
 * - `RuleCache`: the bounded cache of prepared rules, keyed by (schema version, collection id,
 *   options, expression); the compiled form does not depend on the dialect or the request.
 * - Types: `RequestInfo`, `SchemaLookup`, `SqlFragment`, `ExprNode` and the AST node types.
 *
 * The language itself is documented for users in docs/filter-language.md.
 */
import type { PrepareOptions } from './prepared-rule.js';
import { prepareRule } from './prepared-rule.js';
import type { RequestInfo } from './request-info.js';
import type { SqlFragment } from './sql-compiler.js';
import type { Dialect } from '../db/database.js';

export * from './ast.js';
export { parseRule, DEFAULT_PARSE_LIMITS, RULE_PARSE_LIMITS } from './parser.js';
export type { ParseLimits } from './parser.js';
export { RuleSyntaxError, invalidFilterError, invalidSortError } from './rule-syntax-error.js';
export { GUEST } from './request-info.js';
export type { RequestInfo, AuthRecord } from './request-info.js';
export type { SchemaLookup } from './schema-lookup.js';
export { PreparedRule, prepareRule } from './prepared-rule.js';
export type { PrepareOptions, SqlOptions, MatchOptions } from './prepared-rule.js';
export { RuleCache } from './rule-cache.js';
export { parseSort, MAX_SORT_TERMS } from './sort.js';
export type { SortOptions, SortTerm } from './sort.js';
export type { SqlFragment } from './sql-compiler.js';
export { MAX_COMBINATIONS } from './matcher.js';
export { MACRO_NAMES, formatDatetime } from './macros.js';

export interface CompileFilterOptions extends PrepareOptions {
  dialect: Dialect;
  request?: RequestInfo;
  alias?: string;
  now?: Date;
  /** Values for `{:name}` placeholders, e.g. `compileFilter('title = {:t}', { params: { t } })`. */
  params?: Readonly<Record<string, unknown>>;
}

/** A WHERE fragment for `expression` on `collection`. Throws `RuleSyntaxError`. */
export function compileFilter(expression: string, options: CompileFilterOptions): SqlFragment {
  return prepareRule(expression, options).toSql(options);
}

export interface MatchRecordOptions extends PrepareOptions {
  record: Record<string, unknown>;
  request?: RequestInfo;
  now?: Date;
  params?: Readonly<Record<string, unknown>>;
}

/** Whether `record` matches `expression`, or 'undecided' when that needs the database. */
export function matchRecord(expression: string, options: MatchRecordOptions): boolean | 'undecided' {
  return prepareRule(expression, options).match(options);
}
