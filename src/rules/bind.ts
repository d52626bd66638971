import type { BindContext, ColumnOperand, ItemOperand, Plan, PlanExpr, PlanOperand, ValueOperand } from './plan.js';
import { resolveAuthPath } from './resolve.js';
import type { ResolveOptions } from './resolve.js';
import { RuleSyntaxError } from './rule-syntax-error.js';

/** An operand once the request is known: no `authPath` left. */
export type BoundOperand = Exclude<PlanOperand, { kind: 'authPath' }>;

/**
 * Replaces the request-dependent parts of a plan that change its shape: `@request.auth.<path>`
 * (needs the auth collection; a guest reads null) and `@request.body.<relation>.<field>` with no
 * ids sent (null, as in PocketBase). Returns the plan unchanged when nothing depends on them.
 */
export function bindPlan(plan: Plan, ctx: BindContext, options: ResolveOptions, authCache = new Map<string, AuthBound>()): PlanExpr {
  const operand = (op: PlanOperand): PlanOperand => {
    switch (op.kind) {
      case 'authPath': {
        const auth = ctx.request.auth;
        if (auth === null) return NULL_OPERAND;
        const key = `${auth.collectionId}\u0000${op.props.join('.')}`;
        let bound = authCache.get(key);
        if (bound === undefined) {
          const coll = options.schema.find(auth.collectionId) ?? options.schema.find(auth.collectionName);
          if (coll === undefined) return NULL_OPERAND;
          try {
            bound = resolveAuthPath(op.props, op.offset, coll, options);
          } catch (err) {
            // PocketBase reads unknown @request.* paths as null rather than failing the request.
            if (err instanceof RuleSyntaxError) return NULL_OPERAND;
            throw err;
          }
          authCache.set(key, bound);
        }
        return bound;
      }
      case 'column':
      case 'item':
        if (op.chain.some((s) => s.kind === 'bodyRel' && bodyIds(ctx, s.field).length === 0)) return NULL_OPERAND;
        return op;
      case 'call':
        return { ...op, args: op.args.map(operand) };
      default:
        return op;
    }
  };
  const expr = (e: PlanExpr): PlanExpr =>
    e.kind === 'cmp' ? { ...e, left: operand(e.left), right: operand(e.right) } : { ...e, left: expr(e.left), right: expr(e.right) };
  return expr(plan.expr);
}

/** `@request.auth.<path>` resolved for one auth collection; kept by the prepared rule. */
export type AuthBound = ColumnOperand | ValueOperand | ItemOperand;

const NULL_OPERAND: ValueOperand = { kind: 'value', constant: true, get: () => null };

/** The ids sent in the body for a relation field, as PocketBase reads them (unique strings). */
export function bodyIds(ctx: BindContext, field: string): string[] {
  const raw = ctx.request.body?.[field];
  const list = raw === null || raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const out: string[] = [];
  for (const v of list) {
    if (v === null || v === undefined) continue;
    const s = typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
    if (s !== '' && !out.includes(s)) out.push(s);
  }
  return out;
}

/** The items sent in the body for a multi-valued field, as text. */
export function bodyItems(ctx: BindContext, field: string): string[] {
  const raw = ctx.request.body?.[field];
  const list = raw === null || raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return list.map((v) => (typeof v === 'string' ? v : v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)));
}
