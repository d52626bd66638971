import { RuleSyntaxError } from './rule-syntax-error.js';

/**
 * Splits a filter expression into tokens. The grammar is PocketBase's (`fexpr`): identifiers
 * `[A-Za-z_@#][\w.:]*`, quoted text with `\'`/`\"` escapes, numbers `-?\d+(\.\d+)?`, `{:name}`
 * placeholders (values given by server code), the
 * comparison operators with their `?` variants, `&& || ( ) ,` and `//` line comments.
 */

export type TokenType = 'identifier' | 'function' | 'text' | 'number' | 'param' | 'op' | 'and' | 'or' | 'lparen' | 'rparen' | 'comma' | 'eof';

export interface Token {
  type: TokenType;
  /** The source text of the token (for text: the unquoted value). */
  value: string;
  start: number;
  end: number;
}

const OPERATORS = ['?!~', '?>=', '?<=', '?!=', '!=', '>=', '<=', '!~', '?=', '?>', '?<', '?~', '=', '>', '<', '~'];

function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '@' || c === '#';
}

function isIdentPart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_' || c === '.' || c === ':';
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  const n = input.length;
  let i = 0;
  while (i < n) {
    const c = input[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '\0') throw new RuleSyntaxError('NUL characters are not allowed', i);
    if (c === '/' && input[i + 1] === '/') {
      while (i < n && input[i] !== '\n') i++;
      continue;
    }
    const start = i;
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ type: c === '(' ? 'lparen' : c === ')' ? 'rparen' : 'comma', value: c, start, end: i + 1 });
      i++;
      continue;
    }
    if (c === '&' || c === '|') {
      if (input[i + 1] !== c) throw new RuleSyntaxError(`unexpected character "${c}" (did you mean "${c}${c}"?)`, i);
      tokens.push({ type: c === '&' ? 'and' : 'or', value: c + c, start, end: i + 2 });
      i += 2;
      continue;
    }
    if (c === "'" || c === '"') {
      i++;
      let value = '';
      let closed = false;
      while (i < n) {
        const d = input[i] as string;
        if (d === '\0') throw new RuleSyntaxError('NUL characters are not allowed', i);
        if (d === '\\' && i + 1 < n) {
          // A backslash always takes the next character with it (so `\\'` does not close the
          // text); only the escaped quote itself is unescaped, other pairs stay as written.
          const e = input[i + 1] as string;
          if (e === '\0') throw new RuleSyntaxError('NUL characters are not allowed', i + 1);
          value += e === c ? c : d + e;
          i += 2;
          continue;
        }
        if (d === c) {
          closed = true;
          i++;
          break;
        }
        value += d;
        i++;
      }
      if (!closed) throw new RuleSyntaxError('unterminated text literal', start);
      tokens.push({ type: 'text', value, start, end: i });
      continue;
    }
    if (c === '{' && input[i + 1] === ':') {
      const m = /^\{:([A-Za-z0-9_]+)\}/.exec(input.slice(i, i + 104));
      if (m === null) throw new RuleSyntaxError('invalid placeholder (expected {:name})', i);
      tokens.push({ type: 'param', value: m[1] as string, start, end: i + m[0].length });
      i += m[0].length;
      continue;
    }
    if (isDigit(c) || (c === '-' && isDigit(input[i + 1]))) {
      i++;
      while (isDigit(input[i])) i++;
      if (input[i] === '.') {
        if (!isDigit(input[i + 1])) throw new RuleSyntaxError('invalid number', start);
        i++;
        while (isDigit(input[i])) i++;
      }
      if (i < n && (isIdentStart(input[i] as string) || input[i] === '.')) throw new RuleSyntaxError('invalid number', start);
      tokens.push({ type: 'number', value: input.slice(start, i), start, end: i });
      continue;
    }
    if (isIdentStart(c)) {
      i++;
      while (i < n && isIdentPart(input[i] as string)) i++;
      const type: TokenType = input[i] === '(' ? 'function' : 'identifier';
      tokens.push({ type, value: input.slice(start, i), start, end: i });
      continue;
    }
    const op = OPERATORS.find((o) => input.startsWith(o, i));
    if (op !== undefined) {
      tokens.push({ type: 'op', value: op, start, end: i + op.length });
      i += op.length;
      continue;
    }
    throw new RuleSyntaxError(`unexpected character ${JSON.stringify(c)}`, i);
  }
  tokens.push({ type: 'eof', value: '', start: n, end: n });
  return tokens;
}
