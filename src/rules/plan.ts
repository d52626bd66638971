import type { CompareOp } from './ast.js';
import type { Collection, Field } from '../core/schema.js';
import type { RequestInfo } from './request-info.js';
import type { OperandClass, Value } from './values.js';

/**
 * The resolved form of an expression: identifiers bound to columns and join steps of the
 * collection model, request values and macros turned into getters. Both back-ends (SQL and the
 * matcher) consume it; it does not depend on the request, so it is what the cache keeps.
 */

/**
 * One join from a parent row (`parent`, or the filtered record when null) to the rows an
 * identifier reads. Steps with the same `key` are the same join: like PocketBase, all
 * identifiers in one expression that share a path read the same related row.
 */
export interface Step {
  key: string;
  parent: Step | null;
  kind: 'rel' | 'via' | 'collection' | 'each' | 'auth' | 'bodyRel' | 'bodyEach';
  /** The collection of the rows this step yields (none for `each`/`bodyEach`, whose rows are items). */
  collection: Collection | null;
  /** rel/each: the field of the parent; via: the relation field of `collection`; body*: the body key. */
  field: string;
  /** Whether the step can yield several rows per parent row. */
  multiple: boolean;
}

export interface BindContext {
  request: RequestInfo;
  now: Date;
  /** Values of `{:name}` placeholders. */
  params: Readonly<Record<string, unknown>>;
}

export type ValueGetter = (ctx: BindContext) => Value;

export interface ValueOperand {
  kind: 'value';
  get: ValueGetter;
  /** Whether the value is known without a request (a literal): safe to fold at compile time. */
  constant: boolean;
  /** `@request.auth.<field>...`: the top-level auth record field it reads (its only input). */
  authField?: string;
}

export interface ColumnOperand {
  kind: 'column';
  /** The step whose row holds the column; null = the filtered record itself. */
  step: Step | null;
  collection: Collection;
  field: Field;
  /** json/geoPoint fields: the path inside the value (empty = the whole value). */
  jsonPath: string[] | null;
  modifier: 'lower' | 'length' | null;
  /** Steps from the record to `step` (parents first). */
  chain: Step[];
  /** The chain passes a step with several rows: every row must match unless `?op` is used. */
  multi: boolean;
  /** Auth `email` read by a client filter: only rows with `emailVisibility` may match. */
  emailGuard: boolean;
}

/** The value of an `each`/`bodyEach` step's row (one item of a multi-valued field). */
export interface ItemOperand {
  kind: 'item';
  step: Step;
  chain: Step[];
  multi: boolean;
}

export interface CallOperand {
  kind: 'call';
  name: 'geoDistance' | 'strftime';
  args: PlanOperand[];
}

/** `@request.body.f:changed`: 1 when `f` was sent and differs from the stored value, else 0. */
export interface ChangedOperand {
  kind: 'changed';
  isset: ValueGetter;
  body: ValueGetter;
  column: ColumnOperand;
}

/** `@request.auth.<relation path>`: resolved when the auth collection is known (at bind). */
export interface AuthPathOperand {
  kind: 'authPath';
  props: string[];
  /** Offset of the identifier, for errors found at bind time. */
  offset: number;
}

export type PlanOperand = ValueOperand | ColumnOperand | ItemOperand | CallOperand | ChangedOperand | AuthPathOperand;

export interface PlanCompare {
  kind: 'cmp';
  op: CompareOp;
  anyOf: boolean;
  left: PlanOperand;
  right: PlanOperand;
}

export interface PlanLogical {
  kind: 'and' | 'or';
  left: PlanExpr;
  right: PlanExpr;
}

export type PlanExpr = PlanCompare | PlanLogical;

export interface Plan {
  expr: PlanExpr;
  collection: Collection;
  /** Whether some operand needs the request's auth collection to resolve (`authPath`). */
  hasAuthPaths: boolean;
}

/** The static class of an operand that reads rows (not a value). */
export function columnClass(op: ColumnOperand): OperandClass {
  if (op.modifier === 'length') return 'number';
  if (op.modifier === 'lower') return 'text';
  switch (op.field.type) {
    case 'number':
    case 'bool':
      return 'number';
    case 'json':
    case 'geoPoint':
      return 'json';
    default:
      return 'text';
  }
}
