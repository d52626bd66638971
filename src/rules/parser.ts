import type { CallNode, CompareNode, CompareOp, ExprNode, OperandNode, ValueNode } from './ast.js';
import { tokenize } from './lexer.js';
import type { Token } from './lexer.js';
import { RuleSyntaxError } from './rule-syntax-error.js';

export interface ParseLimits {
  /** Longest accepted expression in characters. Default 3500 (PocketBase's client filter limit). */
  maxLength?: number;
  /** Deepest accepted parenthesis nesting. Default 32. */
  maxDepth?: number;
  /** Most comparisons in one expression. Default 200. */
  maxExpressions?: number;
}

export const DEFAULT_PARSE_LIMITS: Required<ParseLimits> = { maxLength: 3500, maxDepth: 32, maxExpressions: 200 };

/**
 * Limits for collection rules, which superusers write and PocketBase does not bound: generous,
 * but still finite so a stored rule cannot make every request pay for a huge parse.
 */
export const RULE_PARSE_LIMITS: Required<ParseLimits> = { maxLength: 100_000, maxDepth: 64, maxExpressions: 2000 };

const FUNCTIONS: Record<string, { min: number; max: number }> = {
  geoDistance: { min: 4, max: 4 },
  strftime: { min: 1, max: 8 },
};

/**
 * Parses an expression into its syntax tree. `&&` binds tighter than `||` (as in the SQL that
 * PocketBase produces); parentheses group. Throws `RuleSyntaxError` with the column of the fault.
 */
export function parseRule(input: string, limits: ParseLimits = {}): ExprNode {
  const lim = { ...DEFAULT_PARSE_LIMITS, ...limits };
  if (input.length > lim.maxLength) {
    throw new RuleSyntaxError(`the expression is longer than ${lim.maxLength} characters`, lim.maxLength);
  }
  return new Parser(tokenize(input), lim).parse();
}

class Parser {
  readonly #tokens: Token[];
  readonly #limits: Required<ParseLimits>;
  #pos = 0;
  #compares = 0;

  constructor(tokens: Token[], limits: Required<ParseLimits>) {
    this.#tokens = tokens;
    this.#limits = limits;
  }

  parse(): ExprNode {
    if (this.#peek().type === 'eof') throw new RuleSyntaxError('empty expression', 0);
    const expr = this.#or(0);
    const t = this.#peek();
    if (t.type !== 'eof') {
      throw new RuleSyntaxError(t.type === 'rparen' ? 'unbalanced ")"' : `expected "&&" or "||" before ${describe(t)}`, t.start);
    }
    return expr;
  }

  #peek(): Token {
    return this.#tokens[this.#pos] as Token;
  }

  #next(): Token {
    const t = this.#tokens[this.#pos] as Token;
    if (t.type !== 'eof') this.#pos++;
    return t;
  }

  #or(depth: number): ExprNode {
    let left = this.#and(depth);
    while (this.#peek().type === 'or') {
      this.#next();
      const right = this.#and(depth);
      left = { kind: 'logical', op: '||', left, right, start: left.start, end: right.end };
    }
    return left;
  }

  #and(depth: number): ExprNode {
    let left = this.#primary(depth);
    while (this.#peek().type === 'and') {
      this.#next();
      const right = this.#primary(depth);
      left = { kind: 'logical', op: '&&', left, right, start: left.start, end: right.end };
    }
    return left;
  }

  #primary(depth: number): ExprNode {
    const t = this.#peek();
    if (t.type === 'lparen') {
      if (depth >= this.#limits.maxDepth) {
        throw new RuleSyntaxError(`parentheses nested deeper than ${this.#limits.maxDepth}`, t.start);
      }
      this.#next();
      if (this.#peek().type === 'rparen') throw new RuleSyntaxError('empty parentheses', t.start);
      const inner = this.#or(depth + 1);
      const close = this.#next();
      if (close.type !== 'rparen') throw new RuleSyntaxError(`missing ")" for the "(" at column ${t.start + 1}, found ${describe(close)}`, close.start);
      return inner;
    }
    return this.#compare();
  }

  #compare(): CompareNode {
    const left = this.#operand();
    const opTok = this.#next();
    if (opTok.type !== 'op') throw new RuleSyntaxError(`expected an operator after the operand, found ${describe(opTok)}`, opTok.start);
    const right = this.#operand();
    if (++this.#compares > this.#limits.maxExpressions) {
      throw new RuleSyntaxError(`more than ${this.#limits.maxExpressions} expressions`, left.start);
    }
    const anyOf = opTok.value.startsWith('?');
    const op = (anyOf ? opTok.value.slice(1) : opTok.value) as CompareOp;
    return { kind: 'compare', op, anyOf, left, right, start: left.start, end: right.end };
  }

  #operand(): OperandNode {
    const t = this.#peek();
    if (t.type === 'function') return this.#call();
    return this.#value('an operand');
  }

  #value(what: string): ValueNode {
    const t = this.#next();
    switch (t.type) {
      case 'identifier':
        return { kind: 'identifier', name: t.value, start: t.start, end: t.end };
      case 'text':
        return { kind: 'text', value: t.value, start: t.start, end: t.end };
      case 'param':
        return { kind: 'param', name: t.value, start: t.start, end: t.end };
      case 'number': {
        const value = Number(t.value);
        if (!Number.isFinite(value)) throw new RuleSyntaxError('number out of range', t.start);
        return { kind: 'number', value, raw: t.value, start: t.start, end: t.end };
      }
      default:
        throw new RuleSyntaxError(`expected ${what}, found ${describe(t)}`, t.start);
    }
  }

  #call(): CallNode {
    const nameTok = this.#next();
    const spec = FUNCTIONS[nameTok.value];
    if (spec === undefined || !Object.hasOwn(FUNCTIONS, nameTok.value)) {
      throw new RuleSyntaxError(`unknown function "${nameTok.value}"`, nameTok.start);
    }
    this.#next(); // "("
    const args: ValueNode[] = [];
    if (this.#peek().type !== 'rparen') {
      for (;;) {
        if (this.#peek().type === 'function') throw new RuleSyntaxError('function calls cannot be nested', this.#peek().start);
        args.push(this.#value('a function argument'));
        if (this.#peek().type !== 'comma') break;
        this.#next();
      }
    }
    const close = this.#next();
    if (close.type !== 'rparen') throw new RuleSyntaxError(`expected "," or ")" in the arguments of ${nameTok.value}, found ${describe(close)}`, close.start);
    if (args.length < spec.min || args.length > spec.max) {
      const want = spec.min === spec.max ? `${spec.min}` : `${spec.min} to ${spec.max}`;
      throw new RuleSyntaxError(`${nameTok.value} takes ${want} arguments, got ${args.length}`, nameTok.start);
    }
    return { kind: 'call', name: nameTok.value as CallNode['name'], args, start: nameTok.start, end: close.end };
  }
}

function describe(t: Token): string {
  switch (t.type) {
    case 'eof':
      return 'the end of the expression';
    case 'text':
      return 'a text literal';
    default:
      return `"${t.value.length > 20 ? t.value.slice(0, 20) + '…' : t.value}"`;
  }
}
