/**
 * Random strings matching a field's `autogeneratePattern`: the regex subset PocketBase's patterns
 * use — literals (`\`-escaped or plain), classes (`[a-z0-9_-]`, `\d`, `\w`, `\s`-free), and
 * quantifiers `{n}`, `{n,m}`, `?`, `*`, `+` (unbounded ones capped). Parsed once per pattern.
 */
import { randomBelow } from '../lib/random-string.js';

/** `chars` split into code points once, at parse time. */
type Atom = { chars: readonly string[]; min: number; max: number };

const DIGITS = '0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const WORD = UPPER + LOWER + DIGITS + '_';
const UNBOUNDED_CAP = 8;

export class AutogeneratePatternError extends Error {}

function parseClass(src: string, start: number): { chars: string; end: number } {
  let i = start + 1;
  let negate = false;
  if (src[i] === '^') {
    negate = true;
    i++;
  }
  const set = new Set<string>();
  const take = (): string => {
    const c = src[i++];
    if (c === undefined) throw new AutogeneratePatternError('unterminated character class');
    if (c !== '\\') return c;
    const e = src[i++];
    if (e === undefined) throw new AutogeneratePatternError('dangling escape');
    if (e === 'd' || e === 'w') return '\u0000' + e;
    return e;
  };
  let first = true;
  while (src[i] !== ']' || first) {
    first = false;
    if (i >= src.length) throw new AutogeneratePatternError('unterminated character class');
    const a = take();
    if (a === '\u0000d' || a === '\u0000w') {
      for (const c of a === '\u0000d' ? DIGITS : WORD) set.add(c);
      continue;
    }
    if (src[i] === '-' && src[i + 1] !== ']' && src[i + 1] !== undefined) {
      i++;
      const b = take();
      const lo = a.codePointAt(0) ?? 0;
      const hi = b.codePointAt(0) ?? 0;
      if (hi < lo || hi - lo > 0xffff) throw new AutogeneratePatternError('bad range');
      for (let c = lo; c <= hi; c++) set.add(String.fromCodePoint(c));
    } else set.add(a);
  }
  let chars = [...set].join('');
  if (negate) chars = [...WORD].filter((c) => !set.has(c)).join('');
  if (chars === '') throw new AutogeneratePatternError('empty character class');
  return { chars, end: i + 1 };
}

function parsePattern(pattern: string): Atom[] {
  const src = pattern.replace(/^\^/, '').replace(/\$$/, '');
  const atoms: Atom[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    let chars: string;
    if (c === '[') {
      const cls = parseClass(src, i);
      chars = cls.chars;
      i = cls.end;
    } else if (c === '\\') {
      const e = src[i + 1];
      if (e === undefined) throw new AutogeneratePatternError('dangling escape');
      chars = e === 'd' ? DIGITS : e === 'w' ? WORD : e;
      i += 2;
    } else if ('(){}|*+?.'.includes(c)) {
      throw new AutogeneratePatternError(`unsupported "${c}" in autogenerate pattern`);
    } else {
      chars = c;
      i++;
    }
    let min = 1;
    let max = 1;
    const q = src[i];
    if (q === '{') {
      const m = /^\{(\d+)(?:,(\d*))?\}/.exec(src.slice(i));
      if (!m) throw new AutogeneratePatternError('bad quantifier');
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[2] === '' ? min + UNBOUNDED_CAP : Number(m[2]);
      i += m[0].length;
    } else if (q === '?' || q === '*' || q === '+') {
      min = q === '+' ? 1 : 0;
      max = q === '?' ? 1 : UNBOUNDED_CAP;
      i++;
    }
    if (max < min || max > 10000) throw new AutogeneratePatternError('bad quantifier');
    atoms.push({ chars: [...chars], min, max });
  }
  return atoms;
}

// Pooled CSPRNG bytes: a `randomBytes` call per character was ~5 % of a record create.
function randomIndex(n: number): number {
  return n <= 1 ? 0 : randomBelow(n);
}

const compiled = new Map<string, Atom[]>();

/** A random string matching `pattern`. Throws `AutogeneratePatternError` for unsupported syntax. */
export function generateFromPattern(pattern: string): string {
  let atoms = compiled.get(pattern);
  if (atoms === undefined) {
    atoms = parsePattern(pattern);
    if (compiled.size > 500) compiled.clear();
    compiled.set(pattern, atoms);
  }
  let out = '';
  for (const a of atoms) {
    const n = a.min + randomIndex(a.max - a.min + 1);
    for (let k = 0; k < n; k++) out += a.chars[randomIndex(a.chars.length)] ?? '';
  }
  return out;
}
