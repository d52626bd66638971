import { RuleSyntaxError } from './rule-syntax-error.js';

/**
 * The value semantics shared by the SQL back-ends and the in-memory matcher, so both decide the
 * same way: which comparison domain two operands meet in, how LIKE patterns are built, how text
 * compares. SQLite/PocketBase behaviour is the reference; see docs/filter-language.md.
 */

/** A scalar as the rule language sees it: booleans are 1/0, objects and arrays JSON text. */
export type Value = string | number | null;

/** The static class of a compiled operand. `json` values are typed only at run time. */
export type OperandClass = 'text' | 'number' | 'json';

/** A bind-time value's class: `empty` is `''`; `str` a non-empty string. */
export type ValueClass = 'null' | 'empty' | 'str' | 'num';

export type Domain =
  /** Compare as text (byte order); json sides count only when they hold a string. */
  | 'text'
  /** Compare as numbers; json sides count only when they hold a number or boolean. */
  | 'number'
  /** `=`/`!=` against `''`/null of a json side: missing, null and `""` are empty. */
  | 'jsonEmpty'
  /** Number against non-numeric text: never equal, never ordered. */
  | 'never';

export type Side = { cls: OperandClass } | { value: Value };

export function valueClass(v: Value): ValueClass {
  if (v === null) return 'null';
  if (typeof v === 'number') return 'num';
  return v === '' ? 'empty' : 'str';
}

const NUMERIC = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

/** A text that reads as a number (SQLite's NUMERIC affinity rule), else undefined. */
export function numericText(s: string): number | undefined {
  if (!NUMERIC.test(s)) return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** Which domain a comparison (not `~`) happens in. Symmetric. */
export function domainOf(op: string, a: Side, b: Side): Domain {
  if ('value' in a && 'value' in b) return valueDomain(a.value, b.value);
  if ('value' in a) return domainOf(op, b, a);
  const ca = a.cls;
  if ('value' in b) {
    const vc = valueClass(b.value);
    if (ca === 'json') {
      if (vc === 'num') return 'number';
      if ((vc === 'null' || vc === 'empty') && (op === '=' || op === '!=')) return 'jsonEmpty';
      return 'text';
    }
    if (ca === 'number') {
      if (vc === 'str') return numericText(b.value as string) === undefined ? 'never' : 'number';
      return 'number';
    }
    return 'text';
  }
  const cb = b.cls;
  if (ca === 'number' && cb === 'number') return 'number';
  if ((ca === 'json' && cb === 'number') || (ca === 'number' && cb === 'json')) return 'number';
  return 'text';
}

function valueDomain(a: Value, b: Value): Domain {
  const ca = valueClass(a);
  const cb = valueClass(b);
  if (ca === 'num' && cb === 'num') return 'number';
  if (ca === 'num' || cb === 'num') {
    const other = ca === 'num' ? b : a;
    if (typeof other === 'string' && other !== '' && numericText(other) === undefined) return 'never';
    return 'number';
  }
  return 'text';
}

/** A value seen in the number domain: null for empty or non-numeric. */
export function valueAsNumber(v: Value): number | null {
  if (v === null) return null;
  if (typeof v === 'number') return v;
  if (v === '') return null;
  return numericText(v) ?? null;
}

/** A value seen in the text domain. Numbers print as JavaScript does (integers without `.0`). */
export function valueAsText(v: Value): string | null {
  if (v === null) return null;
  return typeof v === 'number' ? numberText(v) : v;
}

export function numberText(n: number): string {
  return Object.is(n, -0) ? '0' : String(n);
}

/** Three-valued (null = SQL NULL) comparison of two texts; null sides only matter for ordering. */
export function compareText(op: string, a: string | null, b: string | null): boolean | null {
  if (op === '=') return (a ?? '') === (b ?? '');
  if (op === '!=') return (a ?? '') !== (b ?? '');
  if (a === null || b === null) return null;
  return ordered(op, codePointCompare(a, b));
}

export function compareNumber(op: string, a: number | null, b: number | null): boolean | null {
  if (op === '=') return a === b;
  if (op === '!=') return a !== b;
  if (a === null || b === null) return null;
  return ordered(op, a < b ? -1 : a > b ? 1 : 0);
}

function ordered(op: string, c: number): boolean {
  switch (op) {
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    case '<':
      return c < 0;
    default:
      return c <= 0;
  }
}

/** Code point order, which is UTF-8 byte order (SQLite BINARY, PostgreSQL COLLATE "C"). */
export function codePointCompare(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Surrogates (0xD800-0xDFFF) encode code points above 0xFFFF, which sort after 0xE000-0xFFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

/** The result of `never`-domain comparisons. */
export function neverResult(op: string): boolean {
  return op === '!=';
}

// ---------------------------------------------------------------------------------------------
// LIKE

function containsUnescapedPercent(s: string): boolean {
  let prev = '';
  for (const c of s) {
    if (c === '%' && prev !== '\\') return true;
    prev = c === '\\' && prev === '\\' ? '' : c;
  }
  return false;
}

/**
 * PocketBase's `~` with a literal right side: without an unescaped `%` the text is a substring
 * (its unescaped `\ % _` get escaped, then it is wrapped in `%`); with one it is a raw pattern.
 */
export function likePattern(text: string): string {
  if (containsUnescapedPercent(text)) return text;
  // Scanned from the end: a special character claims the character before it, which is kept when
  // it already is a backslash (the pair was escaped by the user) and otherwise gets one inserted.
  const chars = Array.from(text);
  const out: string[] = [];
  let pending = false;
  for (let i = chars.length - 1; i >= 0; i--) {
    const c = chars[i] as string;
    if (pending) {
      if (c !== '\\') out.push('\\');
      pending = false;
    } else if (c === '\\' || c === '%' || c === '_') {
      pending = true;
    }
    out.push(c);
    if (i === 0 && pending) out.push('\\');
  }
  return '%' + out.reverse().join('') + '%';
}

/** SQLite's default SQLITE_LIMIT_LIKE_PATTERN_LENGTH; longer patterns fail the whole query. */
export const MAX_LIKE_PATTERN_BYTES = 50_000;

const utf8 = new TextEncoder();

/**
 * `likePattern` for a bound value, refusing patterns SQLite cannot run (so every back-end
 * answers the same 400 instead of one of them failing the query).
 */
export function boundLikePattern(text: string): string {
  const p = likePattern(text);
  if (p.length * 3 > MAX_LIKE_PATTERN_BYTES && utf8.encode(p).length > MAX_LIKE_PATTERN_BYTES) {
    throw new RuleSyntaxError(`the "~" pattern is longer than ${MAX_LIKE_PATTERN_BYTES} bytes`, 0);
  }
  return p;
}

/** A pattern SQLite would never match and PostgreSQL would reject: ends in a lone `\`. */
export function hasDanglingEscape(pattern: string): boolean {
  let n = 0;
  for (let i = pattern.length - 1; i >= 0 && pattern[i] === '\\'; i--) n++;
  return n % 2 === 1;
}

function asciiLower(c: string): string {
  return c >= 'A' && c <= 'Z' ? String.fromCharCode(c.charCodeAt(0) + 32) : c;
}

export function asciiLowerString(s: string): string {
  return s.replace(/[A-Z]/g, (c) => asciiLower(c));
}

/** SQLite's `LIKE ... ESCAPE '\'`: ASCII case-insensitive, `_` is one character. */
export function likeMatch(text: string, pattern: string): boolean {
  if (hasDanglingEscape(pattern)) return false;
  const t = Array.from(text);
  const p = Array.from(pattern);
  // Iterative matcher with backtracking on the last `%` (linear-ish, no recursion blow-up).
  let ti = 0;
  let pi = 0;
  let starP = -1;
  let starT = 0;
  while (ti < t.length) {
    const pc = p[pi];
    if (pc === '%') {
      starP = pi++;
      starT = ti;
      continue;
    }
    if (pc !== undefined) {
      let lit: string | undefined;
      let adv = 1;
      if (pc === '\\') {
        lit = p[pi + 1];
        adv = 2;
      } else if (pc !== '_') lit = pc;
      if (pc === '_' || (lit !== undefined && asciiLower(lit) === asciiLower(t[ti] as string))) {
        ti++;
        pi += adv;
        continue;
      }
    }
    if (starP === -1) return false;
    pi = starP + 1;
    ti = ++starT;
  }
  while (p[pi] === '%') pi++;
  return pi === p.length;
}

// ---------------------------------------------------------------------------------------------

/** Normalises a request/literal value: booleans to 1/0, objects to JSON, strings well-formed. */
export function toValue(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return cleanText(v);
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return Number(v);
  try {
    return cleanText(JSON.stringify(v) ?? '');
  } catch {
    return null;
  }
}

/**
 * PostgreSQL text cannot hold NUL nor lone surrogates; both engines and the matcher see values
 * with NUL removed and lone surrogates replaced, so they agree.
 */
export function cleanText(s: string): string {
  let out = s.indexOf('\0') === -1 ? s : s.replace(/\0/g, '');
  // Lone surrogates become U+FFFD, as a UTF-8 encoder writes them (String#toWellFormed is ES2024).
  out = out.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
  return out;
}
