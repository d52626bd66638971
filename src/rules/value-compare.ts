import type { CompareOp } from './ast.js';
import {
  compareNumber, compareText, domainOf, boundLikePattern, hasDanglingEscape, likeMatch, neverResult, numberText,
  valueAsNumber, valueAsText,
} from './values.js';
import type { Side, Value } from './values.js';

/**
 * One operand as the matcher sees it: a request/literal value, a text or number read from a
 * row (null = SQL NULL, e.g. a missing related row), or a json value (undefined = missing key).
 */
export type MatchValue =
  | { kind: 'value'; v: Value }
  | { kind: 'text'; v: string | null }
  | { kind: 'number'; v: number | null }
  | { kind: 'json'; v: unknown };

/**
 * The in-memory twin of the SQL back-end's comparison: same domains, same NULL handling.
 * Returns null where SQL yields NULL (ordering or LIKE with a NULL side).
 */
export function evalCompare(op: CompareOp, a: MatchValue, b: MatchValue): boolean | null {
  if (op === '~' || op === '!~') {
    const left = asText(a);
    let pattern: string;
    if (b.kind === 'value') {
      pattern = boundLikePattern(valueAsText(b.v) ?? '');
      if (hasDanglingEscape(pattern)) return op === '~' ? false : left !== null;
    } else {
      const t = asText(b);
      if (t === null) return null;
      pattern = '%' + t + '%';
    }
    if (left === null) return null;
    const m = likeMatch(left, pattern);
    return op === '~' ? m : !m;
  }
  const domain = domainOf(op, side(a), side(b));
  switch (domain) {
    case 'never':
      return neverResult(op);
    case 'jsonEmpty': {
      const j = a.kind === 'json' ? a.v : b.v;
      const empty = j === undefined || j === null || j === '';
      return op === '=' ? empty : !empty;
    }
    case 'number':
      return compareNumber(op, asNumber(a), asNumber(b));
    case 'text':
      return compareText(op, asText(a), asText(b));
  }
}

export function evalValueCompare(op: CompareOp, a: Value, b: Value): boolean | null {
  return evalCompare(op, { kind: 'value', v: a }, { kind: 'value', v: b });
}

function side(m: MatchValue): Side {
  switch (m.kind) {
    case 'value':
      return { value: m.v };
    case 'json':
      return { cls: 'json' };
    default:
      return { cls: m.kind };
  }
}

export function asText(m: MatchValue): string | null {
  switch (m.kind) {
    case 'value':
      return valueAsText(m.v);
    case 'text':
      return m.v;
    case 'number':
      return m.v === null ? null : numberText(m.v);
    case 'json':
      return typeof m.v === 'string' ? m.v : null;
  }
}

export function asNumber(m: MatchValue): number | null {
  switch (m.kind) {
    case 'value':
      return valueAsNumber(m.v);
    case 'number':
      return m.v;
    case 'text':
      return null;
    case 'json':
      return typeof m.v === 'number' ? m.v : typeof m.v === 'boolean' ? (m.v ? 1 : 0) : null;
  }
}
