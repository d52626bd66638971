/**
 * The typed syntax tree of a filter/rule expression. Every node keeps the offsets of the source
 * text it came from (`start` inclusive, `end` exclusive, 0-based), so that resolution errors can
 * point at a column as precisely as syntax errors do.
 */

export interface Span {
  start: number;
  end: number;
}

/** Comparison operators without the `?` prefix; `anyOf` on the node says whether it was there. */
export type CompareOp = '=' | '!=' | '>' | '>=' | '<' | '<=' | '~' | '!~';

export const COMPARE_OPS: readonly CompareOp[] = ['=', '!=', '>', '>=', '<', '<=', '~', '!~'];

export interface IdentifierNode extends Span {
  kind: 'identifier';
  /** The identifier as written, e.g. `author.name:lower` or `@request.auth.id`. */
  name: string;
}

export interface TextNode extends Span {
  kind: 'text';
  /** The unquoted value (only the escaped quote character is unescaped; other backslashes stay). */
  value: string;
}

export interface NumberNode extends Span {
  kind: 'number';
  value: number;
  /** The literal as written, e.g. `-1.50`. */
  raw: string;
}

/** `{:name}`: a value supplied by server code beside the expression, never parsed as syntax. */
export interface ParamNode extends Span {
  kind: 'param';
  name: string;
}

export interface CallNode extends Span {
  kind: 'call';
  name: 'geoDistance' | 'strftime';
  args: ValueNode[];
}

/** What may stand on either side of a comparison (and as a function argument, except calls). */
export type OperandNode = IdentifierNode | TextNode | NumberNode | ParamNode | CallNode;
export type ValueNode = IdentifierNode | TextNode | NumberNode | ParamNode;

export interface CompareNode extends Span {
  kind: 'compare';
  op: CompareOp;
  /** `?=`, `?~`...: at least one item of a multi-valued side must match instead of every item. */
  anyOf: boolean;
  left: OperandNode;
  right: OperandNode;
}

export interface LogicalNode extends Span {
  kind: 'logical';
  op: '&&' | '||';
  left: ExprNode;
  right: ExprNode;
}

export type ExprNode = CompareNode | LogicalNode;

export type NodeKind = ExprNode['kind'] | OperandNode['kind'];

export const NODE_KINDS: readonly NodeKind[] = ['logical', 'compare', 'identifier', 'text', 'number', 'param', 'call'];

/** Calls `visit` on every node, parents first. */
export function walk(node: ExprNode | OperandNode, visit: (n: ExprNode | OperandNode) => void): void {
  visit(node);
  switch (node.kind) {
    case 'logical':
    case 'compare':
      walk(node.left, visit);
      walk(node.right, visit);
      break;
    case 'call':
      for (const a of node.args) walk(a, visit);
      break;
    default:
      break;
  }
}
