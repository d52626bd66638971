import type { ExprNode } from './ast.js';
import { walk } from './ast.js';
import type { Collection } from '../core/schema.js';
import type { Dialect } from '../db/database.js';
import { bindPlan } from './bind.js';
import type { AuthBound } from './bind.js';
import { matchPlan } from './matcher.js';
import { parseRule } from './parser.js';
import type { ParseLimits } from './parser.js';
import type { BindContext, Plan, PlanExpr, PlanOperand } from './plan.js';
import { GUEST } from './request-info.js';
import type { RequestInfo } from './request-info.js';
import type { SchemaLookup } from './schema-lookup.js';
import { resolvePlan } from './resolve.js';
import type { ResolveOptions } from './resolve.js';
import { RuleCache } from './rule-cache.js';
import { renderSql } from './sql-compiler.js';
import type { SqlFragment } from './sql-compiler.js';

export interface PrepareOptions {
  collection: Collection;
  schema: SchemaLookup;
  /** Rules may read hidden fields (default true); pass false for a client's `?filter=`. */
  allowHiddenFields?: boolean;
  /** Parse limits; the defaults are the client filter limits (3500 chars, 200 expressions). */
  limits?: ParseLimits;
  /** Where compiled rules are kept; a process-wide default is used when omitted. */
  cache?: RuleCache<PreparedRule | Error>;
}

export interface SqlOptions {
  dialect: Dialect;
  /** How the outer query names the collection's table. Default: the collection name. */
  alias?: string;
  request?: RequestInfo;
  /** The clock for datetime macros. Default: now. */
  now?: Date;
  /** Values for `{:name}` placeholders (server code only; they are bound, never parsed). */
  params?: Readonly<Record<string, unknown>>;
}

export interface MatchOptions {
  /** The record in API shape (`expand` is read for relation paths). */
  record: Record<string, unknown>;
  request?: RequestInfo;
  now?: Date;
  params?: Readonly<Record<string, unknown>>;
}

/**
 * An expression parsed and resolved against one collection, ready to be turned into SQL or
 * matched in memory for any request. Immutable; shared through the cache.
 */
export class PreparedRule {
  readonly expression: string;
  readonly ast: ExprNode;
  readonly plan: Plan;
  readonly #resolve: ResolveOptions;
  /** `@request.auth.<path>` resolved per auth collection, so binding stays a lookup. */
  readonly #authPaths = new Map<string, AuthBound>();
  /** Rules that read neither the request nor the clock render to the same SQL every time. */
  readonly #static: boolean;
  /**
   * Rules whose only request input is `@request.auth.*` (the common owner/published rules) render
   * the same SQL for every guest, who reads null there: cached like static rules when auth is null.
   */
  readonly #guestStatic: boolean;
  readonly #sqlCache = new Map<string, SqlFragment>();
  /**
   * For the same rules and a signed-in user: the SQL depends only on the auth record's fields the
   * rule reads (and its id, for relation paths), so it is cached per user by those values.
   */
  readonly #authFields: string[] | null;
  readonly #userSql = new RuleCache<SqlFragment>(256);

  constructor(expression: string, ast: ExprNode, plan: Plan, resolve: ResolveOptions) {
    this.expression = expression;
    this.ast = ast;
    this.plan = plan;
    this.#resolve = resolve;
    this.#static = isStatic(plan.expr, false);
    this.#guestStatic = this.#static || isStatic(plan.expr, true);
    this.#authFields = this.#guestStatic && !this.#static ? authFieldsOf(plan.expr) : null;
  }

  /** Whether the expression reads `@request.*` or `@collection.*` (forbidden in guests' filters). */
  get usesRequestOrCollection(): boolean {
    let found = false;
    walk(this.ast, (n) => {
      if (n.kind === 'identifier' && (n.name.startsWith('@request.') || n.name.startsWith('@collection.'))) found = true;
    });
    return found;
  }

  toSql(options: SqlOptions): SqlFragment {
    const alias = options.alias ?? this.plan.collection.name;
    const key = `${options.dialect}\u0000${alias}`;
    const cacheable = this.#static || (this.#guestStatic && (options.request?.auth ?? null) === null);
    const cached = cacheable ? this.#sqlCache.get(key) : undefined;
    if (cached !== undefined) return { sql: cached.sql, params: [...cached.params] };
    const auth = options.request?.auth ?? null;
    const userKey = !cacheable && this.#authFields !== null && auth !== null ? userSqlKey(key, auth, this.#authFields) : undefined;
    const mine = userKey === undefined ? undefined : this.#userSql.get(userKey);
    if (mine !== undefined) return { sql: mine.sql, params: [...mine.params] };
    const ctx = bindContext(options.request, options.now, options.params);
    const expr = bindPlan(this.plan, ctx, this.#resolve, this.#authPaths);
    const out = renderSql(expr, { dialect: options.dialect, alias, ctx });
    if (cacheable && this.#sqlCache.size < 8) this.#sqlCache.set(key, { sql: out.sql, params: [...out.params] });
    if (userKey !== undefined) this.#userSql.set(userKey, { sql: out.sql, params: [...out.params] });
    return out;
  }

  match(options: MatchOptions): boolean | 'undecided' {
    const ctx = bindContext(options.request, options.now, options.params);
    const expr = bindPlan(this.plan, ctx, this.#resolve, this.#authPaths);
    return matchPlan(expr, { record: options.record, ctx });
  }
}

/** With `guest`, `@request.auth.*` counts as static: a guest reads null there, whatever the request. */
function isStatic(e: PlanExpr, guest: boolean): boolean {
  if (e.kind !== 'cmp') return isStatic(e.left, guest) && isStatic(e.right, guest);
  const operand = (o: PlanOperand): boolean => {
    switch (o.kind) {
      case 'value':
        return o.constant || (guest && o.authField !== undefined);
      case 'column':
      case 'item':
        return o.chain.every((s) => (guest || s.kind !== 'auth') && s.kind !== 'bodyRel' && s.kind !== 'bodyEach');
      case 'call':
        // strftime without a time argument reads the clock.
        return o.args.every(operand) && !(o.name === 'strftime' && o.args.length < 2);
      case 'authPath':
        return guest;
      default:
        return false;
    }
  };
  return operand(e.left) && operand(e.right);
}

/** The top-level auth record fields an auth-only plan reads (relation paths start with one too). */
function authFieldsOf(e: PlanExpr): string[] {
  const out = new Set<string>(['id', 'collectionId']);
  const visit = (x: PlanExpr): void => {
    if (x.kind !== 'cmp') {
      visit(x.left);
      visit(x.right);
      return;
    }
    const operand = (o: PlanOperand): void => {
      if (o.kind === 'value' && o.authField !== undefined) out.add(o.authField);
      else if (o.kind === 'authPath') out.add((o.props[0] as string).split(':')[0] as string);
      else if (o.kind === 'call') o.args.forEach(operand);
    };
    operand(x.left);
    operand(x.right);
  };
  visit(e);
  return [...out];
}

function userSqlKey(base: string, auth: Readonly<Record<string, unknown>>, fields: readonly string[]): string {
  let key = base;
  for (const f of fields) {
    const v = auth[f];
    // JSON keeps values apart (a NUL inside a value is escaped); undefined has no JSON.
    key += `\u0000${JSON.stringify(v) ?? 'u'}`;
  }
  return key;
}

const NO_PARAMS: Readonly<Record<string, unknown>> = Object.freeze({});

function bindContext(request: RequestInfo | undefined, now: Date | undefined, params: Readonly<Record<string, unknown>> | undefined): BindContext {
  return { request: request ?? GUEST, now: now ?? new Date(), params: params ?? NO_PARAMS };
}

const defaultCache = new RuleCache<PreparedRule | Error>(2000);

/** Parses and resolves `expression` (cached). Throws `RuleSyntaxError`. */
export function prepareRule(expression: string, options: PrepareOptions): PreparedRule {
  const cache = options.cache ?? defaultCache;
  const allowHidden = options.allowHiddenFields ?? true;
  const lim = options.limits ?? {};
  const key = RuleCache.key([
    options.schema.version, options.collection.id, allowHidden ? 1 : 0,
    lim.maxLength ?? '', lim.maxDepth ?? '', lim.maxExpressions ?? '', expression,
  ]);
  const hit = cache.get(key);
  if (hit instanceof Error) throw hit;
  if (hit !== undefined) return hit;
  const resolve: ResolveOptions = { collection: options.collection, schema: options.schema, allowHiddenFields: allowHidden };
  try {
    const ast = parseRule(expression, lim);
    const prepared = new PreparedRule(expression, ast, resolvePlan(ast, resolve), resolve);
    cache.set(key, prepared);
    return prepared;
  } catch (err) {
    // Bad expressions are cached too: a client repeating one costs a map lookup, not a parse.
    if (err instanceof Error) cache.set(key, err);
    throw err;
  }
}
