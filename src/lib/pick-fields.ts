/**
 * The `fields` query parameter: keep only the listed keys of a JSON response, PocketBase's semantics.
 *
 *   fields=id,title               -> only those keys
 *   fields=*,expand.author.name   -> every key, but `expand` narrowed to `author.name`
 *   fields=*,body:excerpt(200,true)
 *
 * The expression is compiled once into a tree (cacheable per distinct string) and applied by walking
 * the value: arrays are picked item by item, scalars are left alone. A key named exactly keeps its whole
 * value even when deeper paths under it are listed too, as PocketBase does.
 */
import { excerpt } from './excerpt.js';

export type ValueModifier = (value: unknown) => unknown;

interface PickNode {
  /** Keep the whole value at this key (it was listed exactly). */
  whole: boolean;
  modifier?: ValueModifier;
  children: Map<string, PickNode>;
  /** `*` at this level: keep unlisted keys whole, with this modifier (null = none). */
  star?: ValueModifier | null;
}

export interface FieldsSpec {
  readonly root: PickNode;
}

export class FieldsSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldsSyntaxError';
  }
}

const MAX_FIELDS_LENGTH = 4096;

/** Splits on commas that are not inside parentheses (modifier arguments contain commas). */
function splitTopLevel(raw: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) {
      out.push(raw.slice(start, i));
      start = i + 1;
    }
  }
  out.push(raw.slice(start));
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

function parseModifier(raw: string): ValueModifier {
  const m = /^(\w+)\((.*)\)$/s.exec(raw.trim());
  if (!m) throw new FieldsSyntaxError(`invalid field modifier "${raw}"`);
  const name = m[1]!;
  const args = m[2]!.split(',').map((a) => a.trim().replace(/^["']|["']$/g, '')).filter((a) => a !== '');
  if (name !== 'excerpt') throw new FieldsSyntaxError(`unknown field modifier "${name}"`);
  if (args.length === 0 || args.length > 2) {
    throw new FieldsSyntaxError('excerpt expects (max, withEllipsis?)');
  }
  const max = Number.parseInt(args[0]!, 10);
  if (!Number.isFinite(max) || max <= 0) throw new FieldsSyntaxError('excerpt max must be a number > 0');
  const withEllipsis = args[1] !== undefined && ['1', 't', 'true', 'T', 'TRUE', 'True'].includes(args[1]);
  return (value) => (typeof value === 'string' ? excerpt(value, max, withEllipsis) : value);
}

function newNode(): PickNode {
  return { whole: false, children: new Map() };
}

/** Compiles a `fields` expression; throws FieldsSyntaxError on a bad modifier. Empty -> undefined. */
export function compileFields(raw: string | undefined | null): FieldsSpec | undefined {
  if (raw == null) return undefined;
  if (raw.length > MAX_FIELDS_LENGTH) throw new FieldsSyntaxError('fields expression is too long');
  const items = splitTopLevel(raw);
  if (items.length === 0) return undefined;
  const root = newNode();
  for (const item of items) {
    const colon = item.indexOf(':');
    const path = (colon === -1 ? item : item.slice(0, colon)).trim();
    const modifier = colon === -1 ? undefined : parseModifier(item.slice(colon + 1));
    const parts = path.split('.');
    let node = root;
    for (let i = 0; i < parts.length; i++) {
      const key = parts[i]!;
      const last = i === parts.length - 1;
      if (key === '*' && last) {
        node.star = modifier ?? null;
        break;
      }
      let child = node.children.get(key);
      if (!child) {
        child = newNode();
        node.children.set(key, child);
      }
      if (last) {
        child.whole = true;
        if (modifier) child.modifier = modifier;
      }
      node = child;
    }
  }
  return { root };
}

function pickInto(value: unknown, node: PickNode): unknown {
  if (Array.isArray(value)) {
    // PocketBase picks arrays of objects item by item and leaves arrays of scalars alone.
    if (value.length === 0 || typeof value[0] !== 'object' || value[0] === null || Array.isArray(value[0])) {
      return value;
    }
    return value.map((item) => pickInto(item, node));
  }
  if (typeof value !== 'object' || value === null) return value;
  const src = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(src)) {
    const child = node.children.get(key);
    if (child) {
      if (child.whole) {
        out[key] = child.modifier ? child.modifier(src[key]) : src[key];
      } else {
        out[key] = pickInto(src[key], child);
      }
    } else if (node.star !== undefined) {
      out[key] = node.star ? node.star(src[key]) : src[key];
    }
  }
  return out;
}

/** Applies a compiled spec to a value (a record, an array of records, any JSON value). */
export function pickFields<T>(value: T, spec: FieldsSpec | undefined): T {
  if (!spec) return value;
  return pickInto(value, spec.root) as T;
}
