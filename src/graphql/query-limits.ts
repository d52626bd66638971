/**
 * Depth and cost of an operation, measured on the parsed document before anything executes, so a
 * query that would fan out over thousands of related records is refused with a clear error
 * instead of being run.
 *
 * - depth: how many fields deep the selection goes (fragments inlined; `__schema`/`__type`
 *   introspection subtrees are not counted);
 * - cost: every selected field costs 1 per parent object it is resolved for. A field taking
 *   `perPage` returns that many records (default 30, at most 1000); any other list of records
 *   (multi relations, back-relations) counts as LIST_FACTOR records each.
 */
import { getNamedType, getNullableType, isListType, isObjectType, Kind } from 'graphql';
import type {
  FragmentDefinitionNode, GraphQLNamedType, GraphQLObjectType, GraphQLSchema, OperationDefinitionNode, SelectionSetNode, ValueNode,
} from 'graphql';
import { DEFAULT_PER_PAGE, MAX_PER_PAGE } from '../records/record-service.js';

export const LIST_FACTOR = 10;

/**
 * Introspection (`__schema`, `__type`) is measured apart: clients' standard introspection query
 * nests `ofType` about a dozen levels deep, more than data queries need, but an unbounded chain
 * would still be work for nothing.
 */
export const MAX_INTROSPECTION_DEPTH = 20;

/**
 * Selections the measure visits at most. Fragments spreading other fragments several times make
 * a small document stand for an exponential number of fields; past this many, the cost is
 * reported as infinite instead of being walked to the end.
 */
export const MAX_MEASURED_SELECTIONS = 100_000;

export interface QueryMeasure {
  depth: number;
  cost: number;
  /** Deepest nesting inside `__schema` / `__type` selections (0 without introspection). */
  introspectionDepth: number;
}

function perPageOf(value: ValueNode | undefined, variables: Record<string, unknown>): number {
  let n: unknown;
  if (value === undefined) n = undefined;
  else if (value.kind === Kind.INT) n = Number(value.value);
  else if (value.kind === Kind.VARIABLE) n = variables[value.name.value];
  const v = typeof n === 'number' && Number.isFinite(n) && n >= 1 ? Math.trunc(n) : DEFAULT_PER_PAGE;
  return Math.min(v, MAX_PER_PAGE);
}

/** Marks an object type whose list field (`items`) is already counted by its parent's perPage. */
export const PAGE_TYPE_EXTENSION = 'galleyPage';

export function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): QueryMeasure {
  const root = schema.getRootType(operation.operation);
  if (root === undefined || root === null) return { depth: 0, cost: 0, introspectionDepth: 0 };
  let maxDepth = 0;
  let introspectionDepth = 0;
  let visits = 0;
  const exhausted = (): boolean => ++visits > MAX_MEASURED_SELECTIONS;
  const depthOf = (set: SelectionSetNode, seen: Set<string>): number => {
    let d = 0;
    for (const sel of set.selections) {
      if (exhausted()) return d;
      if (sel.kind === Kind.FIELD) d = Math.max(d, 1 + (sel.selectionSet ? depthOf(sel.selectionSet, seen) : 0));
      else if (sel.kind === Kind.INLINE_FRAGMENT) d = Math.max(d, depthOf(sel.selectionSet, seen));
      else {
        const frag = fragments.get(sel.name.value);
        if (frag === undefined || seen.has(frag.name.value)) continue;
        seen.add(frag.name.value);
        d = Math.max(d, depthOf(frag.selectionSet, seen));
        seen.delete(frag.name.value);
      }
    }
    return d;
  };
  const walk = (set: SelectionSetNode, parent: GraphQLNamedType, depth: number, multiplier: number, seen: Set<string>): number => {
    let cost = 0;
    for (const sel of set.selections) {
      if (exhausted()) return Number.POSITIVE_INFINITY;
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const frag = fragments.get(sel.name.value);
        if (frag === undefined || seen.has(frag.name.value)) continue;
        const on = schema.getType(frag.typeCondition.name.value) ?? parent;
        seen.add(frag.name.value);
        cost += walk(frag.selectionSet, on, depth, multiplier, seen);
        seen.delete(frag.name.value);
        continue;
      }
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const on = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) ?? parent : parent;
        cost += walk(sel.selectionSet, on, depth, multiplier, seen);
        continue;
      }
      const name = sel.name.value;
      if (name.startsWith('__')) {
        if (sel.selectionSet !== undefined) introspectionDepth = Math.max(introspectionDepth, 1 + depthOf(sel.selectionSet, seen));
        continue;
      }
      maxDepth = Math.max(maxDepth, depth + 1);
      cost += multiplier;
      if (sel.selectionSet === undefined || !isObjectType(parent)) continue;
      const def = (parent as GraphQLObjectType).getFields()[name];
      if (def === undefined) continue;
      let factor = 1;
      const perPageArg = def.args.find((a) => a.name === 'perPage');
      const limitArg = sel.arguments?.find((a) => a.name.value === 'limit');
      if (perPageArg !== undefined) factor = perPageOf(sel.arguments?.find((a) => a.name.value === 'perPage')?.value, variables);
      else if (limitArg !== undefined && def.args.some((a) => a.name === 'limit')) factor = Math.min(perPageOf(limitArg.value, variables), LIST_FACTOR);
      else if (isListType(getNullableType(def.type)) && parent.extensions[PAGE_TYPE_EXTENSION] !== true) factor = LIST_FACTOR;
      cost += walk(sel.selectionSet, getNamedType(def.type), depth + 1, multiplier * factor, seen);
    }
    return cost;
  };
  const cost = walk(operation.selectionSet, root, 0, 1, new Set());
  return { depth: maxDepth, cost: visits > MAX_MEASURED_SELECTIONS ? Number.POSITIVE_INFINITY : cost, introspectionDepth };
}
