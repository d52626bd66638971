import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RuleSyntaxError, parseRule } from './index.js';
import type { CompareNode, ExprNode, LogicalNode } from './index.js';
import { tokenize } from './lexer.js';

function errorOf(expr: string): RuleSyntaxError {
  try {
    parseRule(expr);
  } catch (err) {
    if (err instanceof RuleSyntaxError) return err;
    throw err;
  }
  assert.fail(`no error for ${expr}`);
}

describe('lexer', () => {
  test('tokens carry their offsets', () => {
    const toks = tokenize("a.b:lower ?!~ 'x' && -1.5");
    assert.deepEqual(toks.map((t) => [t.type, t.value, t.start, t.end]), [
      ['identifier', 'a.b:lower', 0, 9],
      ['op', '?!~', 10, 13],
      ['text', 'x', 14, 17],
      ['and', '&&', 18, 20],
      ['number', '-1.5', 21, 25],
      ['eof', '', 25, 25],
    ]);
  });

  test('text literals unescape only their own quote; other backslash pairs stay', () => {
    const value = (src: string): string => (tokenize(src)[0] as { value: string }).value;
    assert.equal(value("'it\\'s'"), "it's");
    assert.equal(value('"say \\"hi\\""'), 'say "hi"');
    assert.equal(value("'a\\\\'"), 'a\\\\');
    assert.equal(value("'50\\%'"), '50\\%');
    assert.equal(value('"it\\\'s"'), "it\\'s");
  });

  test('comments run to the end of the line', () => {
    assert.deepEqual(tokenize('a = 1 // x && y\n&& b = 2').map((t) => t.type), ['identifier', 'op', 'number', 'and', 'identifier', 'op', 'number', 'eof']);
  });
});

describe('parser', () => {
  test('&& binds tighter than ||, parentheses group', () => {
    const ast = parseRule('a = 1 || b = 2 && c = 3') as LogicalNode;
    assert.equal(ast.op, '||');
    assert.equal((ast.right as LogicalNode).op, '&&');
    const grouped = parseRule('(a = 1 || b = 2) && c = 3') as LogicalNode;
    assert.equal(grouped.op, '&&');
    assert.equal((grouped.left as LogicalNode).op, '||');
  });

  test('any-of operators keep the base operator and a flag', () => {
    const ast = parseRule("tags:each ?~ 'x'") as CompareNode;
    assert.equal(ast.op, '~');
    assert.equal(ast.anyOf, true);
    assert.deepEqual([ast.start, ast.end], [0, 16]);
  });

  test('function calls with arguments', () => {
    const ast = parseRule("strftime('%Y', created, 'start of month') = '2024'") as CompareNode;
    assert.equal(ast.left.kind, 'call');
    assert.equal(ast.left.kind === 'call' ? ast.left.args.length : 0, 3);
  });

  test('errors point at the column of the fault', () => {
    const cases: Array<[string, number, RegExp]> = [
      ["title = 'x' &&", 15, /expected an operand, found the end/],
      ['title = 1 2', 11, /expected "&&" or "\|\|"/],
      ['title ! 1', 7, /unexpected character "!"/],
      ['(a = 1', 7, /missing "\)"/],
      ['a = 1)', 6, /unbalanced/],
      ["a = 'x", 5, /unterminated text literal/],
      ['a = 1.', 5, /invalid number/],
      ['a = foo(1)', 5, /unknown function "foo"/],
      ['', 1, /empty expression/],
    ];
    for (const [expr, column, reason] of cases) {
      const err = errorOf(expr);
      assert.equal(err.column, column, expr);
      assert.match(err.reason, reason, expr);
      assert.match(err.message, new RegExp(`at column ${column}\\.$`));
    }
  });

  test('limits: length, depth, expressions', () => {
    assert.match(errorOf('a = 1 || '.repeat(400) + 'a = 1').reason, /longer than 3500/);
    assert.match(errorOf('('.repeat(33) + 'a = 1' + ')'.repeat(33)).reason, /deeper than 32/);
    assert.doesNotThrow(() => parseRule('a=1||'.repeat(199) + 'a=1'));
    assert.match(errorOf('a=1||'.repeat(200) + 'a=1').reason, /more than 200 expressions/);
    const custom = parseRule('a=1||'.repeat(300) + 'a=1', { maxExpressions: 1000, maxLength: 10_000 }) as ExprNode;
    assert.equal(custom.kind, 'logical');
  });

  test('a long || chain does not overflow the stack', () => {
    assert.doesNotThrow(() => parseRule('a=1||'.repeat(5000) + 'a=1', { maxExpressions: 10_000, maxLength: 100_000 }));
  });
});
