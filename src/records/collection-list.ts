import { apiError } from '../core/errors.js';
import type { Collection } from '../core/schema.js';

/**
 * `GET /api/collections` filtering and sorting over the cached collections. A small in-memory
 * subset of the filter language, enough for the fields PocketBase lists as filterable (id, name,
 * type, system, created, updated): `field op value` joined by `&&`/`||` with parentheses;
 * operators `= != > >= < <= ~ !~`; values quoted text, numbers, `true`/`false`/`null`.
 * The rule engine may replace this with its matcher later.
 */

export interface CollectionListOptions {
  filter?: string;
  sort?: string;
}

const FIELDS = new Set(['id', 'name', 'type', 'system', 'created', 'updated', 'viewQuery']);
type Value = string | number | boolean | null;
type Node =
  | { kind: 'cmp'; field: string; op: string; value: Value }
  | { kind: 'and' | 'or'; left: Node; right: Node };

function invalidFilter(): Error {
  return apiError('invalid_filter');
}

function tokenize(src: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:(&&|\|\||!=|>=|<=|!~|[=<>~()])|('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)|([A-Za-z_@][\w.]*))/y;
  let i = 0;
  while (i < src.length) {
    if (/^\s*$/.test(src.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(src);
    if (!m) throw invalidFilter();
    out.push(m[0].trim());
    i = re.lastIndex;
  }
  return out;
}

function parse(src: string): Node {
  const tokens = tokenize(src);
  let i = 0;
  const expr = (): Node => {
    let left = term();
    while (tokens[i] === '||') {
      i++;
      left = { kind: 'or', left, right: term() };
    }
    return left;
  };
  const term = (): Node => {
    let left = factor();
    while (tokens[i] === '&&') {
      i++;
      left = { kind: 'and', left, right: factor() };
    }
    return left;
  };
  const factor = (): Node => {
    if (tokens[i] === '(') {
      i++;
      const node = expr();
      if (tokens[i++] !== ')') throw invalidFilter();
      return node;
    }
    const field = tokens[i++];
    const op = tokens[i++];
    const raw = tokens[i++];
    if (!field || !FIELDS.has(field) || !op || !['=', '!=', '>', '>=', '<', '<=', '~', '!~'].includes(op) || raw === undefined) throw invalidFilter();
    return { kind: 'cmp', field, op, value: literal(raw) };
  };
  const node = expr();
  if (i !== tokens.length) throw invalidFilter();
  return node;
}

function literal(raw: string): Value {
  if (raw.startsWith("'") || raw.startsWith('"')) return raw.slice(1, -1).replace(/\\(.)/g, '$1');
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw === 'null') return null;
  if (/^-?\d/.test(raw)) return Number(raw);
  throw invalidFilter();
}

function compare(a: Value, b: Value): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a ?? '');
  const sb = String(b ?? '');
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function matches(node: Node, c: Collection): boolean {
  if (node.kind !== 'cmp') {
    return node.kind === 'and' ? matches(node.left, c) && matches(node.right, c) : matches(node.left, c) || matches(node.right, c);
  }
  return compareNode(node, c);
}

function compareNode(node: Extract<Node, { kind: 'cmp' }>, c: Collection): boolean {
  const actual = (c as unknown as Record<string, Value | undefined>)[node.field] ?? '';
  const expected = node.value === null ? '' : node.value;
  switch (node.op) {
    case '=':
      return typeof actual === 'boolean' ? actual === (expected === true || expected === 'true' || expected === 1) : String(actual) === String(expected);
    case '!=':
      return !compareNode({ ...node, op: '=' }, c);
    case '~':
      return String(actual).toLowerCase().includes(String(expected).toLowerCase());
    case '!~':
      return !String(actual).toLowerCase().includes(String(expected).toLowerCase());
    case '>':
      return compare(actual, expected) > 0;
    case '>=':
      return compare(actual, expected) >= 0;
    case '<':
      return compare(actual, expected) < 0;
    default:
      return compare(actual, expected) <= 0;
  }
}

export function listCollections(all: readonly Collection[], opts: CollectionListOptions = {}): Collection[] {
  let out = [...all];
  if (opts.filter && opts.filter.trim() !== '') {
    if (opts.filter.length > 3500) throw invalidFilter();
    const node = parse(opts.filter);
    out = out.filter((c) => matches(node, c));
  }
  if (opts.sort && opts.sort.trim() !== '') {
    const keys = opts.sort.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
      const desc = s.startsWith('-');
      const field = s.replace(/^[-+]/, '');
      if (!FIELDS.has(field)) throw apiError('invalid_sort');
      return { field, desc };
    });
    out.sort((a, b) => {
      for (const { field, desc } of keys) {
        const va = (a as unknown as Record<string, Value>)[field] ?? '';
        const vb = (b as unknown as Record<string, Value>)[field] ?? '';
        const d = typeof va === 'boolean' ? Number(va) - Number(vb) : compare(va, vb);
        if (d !== 0) return desc ? -d : d;
      }
      return 0;
    });
  }
  return out;
}
