import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eachDatabase } from '../testing/databases.js';
import { RuleSyntaxError, compileFilter, invalidFilterError, matchRecord } from './index.js';
import type { RequestInfo } from './index.js';
import { apiRecords, defaultRequest, loadFixture, posts, schema } from './rules.conformance.js';

/**
 * Hostile inputs: each ends in a clear 400 (RuleSyntaxError -> invalid_filter, with a column) or
 * in a harmless query whose answer is the expected one, on both databases and in the matcher.
 */
interface Case {
  name: string;
  expr: string;
  /** Expected error reason fragment; otherwise the query must run and select `ids`. */
  error?: RegExp;
  ids?: string[];
  request?: RequestInfo;
  rule?: true;
}

const ALL = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8'];
const injection = "'; DROP TABLE posts; --";

const cases: Case[] = [
  { name: 'statement injection in text', expr: `title = '${injection.replace(/'/g, "\\'")}'`, ids: [] },
  { name: 'OR 1=1 in text', expr: "title = 'x'' OR ''1''=''1'", error: /expected "&&" or "\|\|"|unexpected|expected an operator/ },
  { name: 'raw semicolon', expr: 'title = 1; DROP TABLE posts', error: /unexpected character ";"/ },
  { name: 'sql comment', expr: "title = 'x' -- comment", error: /unexpected character|expected/ },
  { name: 'subquery', expr: 'id = (SELECT 1)', error: /expected an operand|expected an operator|unexpected/ },
  { name: 'placeholder text', expr: "title = '?' || title ~ '$1'", ids: [] },
  { name: 'placeholder in request', expr: 'title = @request.query.q', ids: [], request: { ...defaultRequest, query: { q: '?' } } },
  { name: 'injection through a header', expr: 'title != @request.headers.x_token', ids: ALL, request: { auth: null, headers: { 'X-Token': injection } } },
  { name: 'quoted identifier', expr: '"posts"."id" = 1', error: /unexpected character "."/ },
  { name: 'backslash before quote', expr: "title = '\\''", ids: [] },
  { name: 'double backslash', expr: "body ~ '\\\\\\\\'", ids: [] },
  { name: 'lone backslash pattern from request', expr: 'title ~ @request.query.q', ids: [], request: { auth: null, query: { q: '%\\' } } },
  { name: 'unterminated text', expr: "title = 'abc", error: /unterminated text literal/ },
  { name: 'NUL in expression', expr: "title = 'a\0b'", error: /NUL characters are not allowed/ },
  { name: 'NUL in request value', expr: 'title = @request.query.q', ids: ['p1'], request: { auth: null, query: { q: 'Hello\0 World' } } },
  { name: 'lone surrogate', expr: "title = '\uD800'", ids: [] },
  { name: 'deep nesting', expr: '('.repeat(5000) + 'views = 1' + ')'.repeat(5000), error: /the expression is longer than 3500 characters/ },
  { name: 'nesting over the depth limit', expr: '('.repeat(40) + 'views = 1' + ')'.repeat(40), error: /parentheses nested deeper than 32/ },
  { name: 'nesting at the limit', expr: '('.repeat(32) + 'views = 0' + ')'.repeat(32), ids: ['p2'] },
  { name: 'too many expressions', expr: Array.from({ length: 201 }, () => 'views = 1').join(' || '), error: /more than 200 expressions/, rule: true },
  { name: 'many expressions at the limit', expr: Array.from({ length: 200 }, () => 'views = 0').join(' || '), ids: ['p2'], rule: true },
  { name: 'huge integer', expr: `views = 1${'0'.repeat(400)}`, error: /number out of range/ },
  { name: 'big number', expr: 'views < 99999999999999999999', ids: ALL },
  { name: 'tiny number', expr: 'views > 0.0000000000000001 && views < 1', ids: [] },
  { name: 'negative zero', expr: 'views = -0', ids: ['p2'] },
  { name: 'very long text over the limit', expr: `title = '${'x'.repeat(4000)}'`, error: /longer than 3500/ },
  { name: 'very long text in a rule', expr: `title != '${'x'.repeat(100_000)}'`, ids: ALL, rule: true },
  { name: 'very long request value', expr: 'title = @request.query.q', ids: [], request: { auth: null, query: { q: 'x%_'.repeat(50_000) } } },
  { name: 'long LIKE value', expr: 'title ~ @request.query.q', ids: [], request: { auth: null, query: { q: 'x%_'.repeat(5_000) } } },
  { name: 'pathological LIKE pattern', expr: "title ~ '%a%a%a%a%a%a%a%a%a%a%b'", ids: [] },
  { name: 'unknown field', expr: 'nope = 1', error: /unknown field "nope"/ },
  { name: 'unknown collection', expr: '@collection.nope.id = 1', error: /unknown collection "nope"/ },
  { name: 'unknown macro', expr: '@nope = 1', error: /unknown identifier "@nope"/ },
  { name: 'unknown function', expr: 'sleep(10) = 1', error: /unknown function "sleep"/ },
  { name: 'nested function', expr: "strftime('%Y', strftime('%Y', created)) = 1", error: /cannot be nested/ },
  { name: 'wrong arity', expr: 'geoDistance(1, 2) = 1', error: /takes 4 arguments, got 2/ },
  { name: 'geoDistance as text', expr: "geoDistance(1, 2, 3, 4) ~ '1'", error: /can only be compared with numbers/ },
  { name: 'non-literal strftime format', expr: 'strftime(title, created) = 1', error: /must be a text literal/ },
  { name: 'modifier in the middle', expr: 'author:each.name = 1', error: /modifiers are only allowed on the last part/ },
  { name: 'unknown modifier', expr: 'title:upper = 1', error: /unknown modifier ":upper"/ },
  { name: ':each on text', expr: 'title:each = 1', error: /":each" needs a select, file or relation field/ },
  { name: ':isset on a field', expr: 'title:isset = true', error: /only allowed on @request fields/ },
  { name: 'not a relation', expr: 'title.x = 1', error: /field "title" is not a relation/ },
  { name: 'bad back-relation', expr: 'users_via_title.id = 1', error: /invalid back-relation/ },
  { name: 'bad json path', expr: 'meta.a-b = 1', error: /unexpected character|expected/ },
  { name: 'triple equals', expr: "title === 'x'", error: /expected an operand, found "="/ },
  { name: 'single ampersand', expr: "title = 'x' & views = 1", error: /did you mean "&&"/ },
  { name: 'dangling operator', expr: "title = 'x' &&", error: /expected an operand, found the end of the expression/ },
  { name: 'leading operator', expr: '|| views = 1', error: /expected an operand/ },
  { name: 'unbalanced close', expr: 'views = 1)', error: /unbalanced "\)"/ },
  { name: 'unbalanced open', expr: '(views = 1', error: /missing "\)"/ },
  { name: 'empty parentheses', expr: '()', error: /empty parentheses/ },
  { name: 'empty', expr: '', error: /empty expression/ },
  { name: 'only a comment', expr: '// nothing', error: /empty expression/ },
  { name: 'non-ASCII identifier', expr: 'tïtle = 1', error: /unexpected character "ï"/ },
  { name: 'missing operator', expr: 'title title', error: /expected an operator/ },
  { name: 'number glued to identifier', expr: 'views = 1abc', error: /invalid number/ },
  { name: 'placeholder syntax is checked', expr: 'title = {:bad name}', error: /invalid placeholder/ },
  { name: 'deep @request path', expr: '@request.auth.id.x.y.z = 1', ids: [] },
  { name: 'deep body object', expr: "@request.body.a.b.c = 'd'", ids: ALL, request: { auth: null, body: { a: { b: { c: 'd' } } } } },
  { name: 'body array of objects', expr: "@request.body.tags:each ?= 'x'", ids: [], request: { auth: null, body: { tags: [{ x: 1 }, [1, 2], null] } } },
];

test('hostile inputs: errors carry a column and become a 400 invalid_filter', () => {
  for (const c of cases.filter((x) => x.error !== undefined)) {
    let caught: unknown;
    try {
      compileFilter(c.expr, { collection: posts, schema, dialect: 'sqlite' });
    } catch (err) {
      caught = err;
    }
    assert.ok(caught instanceof RuleSyntaxError, `${c.name}: expected a RuleSyntaxError, got ${String(caught)}`);
    assert.match(caught.reason, c.error as RegExp, c.name);
    assert.ok(caught.column >= 1 && caught.column <= Math.max(1, c.expr.length + 1), `${c.name}: column ${caught.column}`);
    const api = invalidFilterError(caught);
    assert.equal(api.status, 400);
    assert.equal(api.code, 'invalid_filter');
    assert.match(api.message, /^Invalid filter: .+ at column \d+\.$/);
  }
});

test('a LIKE pattern over SQLite\'s limit is a 400 on every back-end', () => {
  const request = { auth: null, query: { q: 'x'.repeat(60_000) } };
  assert.throws(() => compileFilter('title ~ @request.query.q', { collection: posts, schema, dialect: 'postgres', request }), /longer than 50000 bytes/);
  const record = apiRecords('posts')[0] as Record<string, unknown>;
  assert.throws(() => matchRecord('title ~ @request.query.q', { collection: posts, schema, record, request }), /longer than 50000 bytes/);
});

test('hostile inputs: the matcher answers like the databases', () => {
  const records = apiRecords('posts');
  for (const c of cases.filter((x) => x.error === undefined)) {
    const limits = c.rule ? { maxLength: 1_000_000 } : {};
    for (const record of records) {
      const got = matchRecord(c.expr, { collection: posts, schema, record, request: c.request ?? defaultRequest, limits });
      assert.equal(got, (c.ids ?? []).includes(record.id as string), `${c.name} on ${record.id as string}`);
    }
  }
});

eachDatabase('hostile inputs run as harmless queries', async (db) => {
  await loadFixture(db);
  for (const c of cases.filter((x) => x.error === undefined)) {
    const limits = c.rule ? { maxLength: 1_000_000 } : {};
    const where = compileFilter(c.expr, { collection: posts, schema, dialect: db.dialect, request: c.request ?? defaultRequest, limits });
    assert.ok(!where.sql.includes(injection) && !where.sql.includes('DROP'), `${c.name}: user text in SQL`);
    let rows: Array<{ id: string }>;
    try {
      rows = await db.all<{ id: string }>(`SELECT "id" FROM "posts" WHERE ${where.sql} ORDER BY "id"`, where.params);
    } catch (err) {
      assert.fail(`${c.name}: ${(err as Error).message}\n${where.sql.slice(0, 500)}`);
    }
    assert.deepEqual(rows.map((r) => r.id), c.ids ?? [], c.name);
  }
  const count = await db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM "posts"');
  assert.equal(Number(count?.n), 8);
});

eachDatabase('{:name} placeholders bind server values as parameters', async (db) => {
  await loadFixture(db);
  const run = async (expr: string, params: Record<string, unknown>): Promise<string[]> => {
    const where = compileFilter(expr, { collection: posts, schema, dialect: db.dialect, params });
    assert.ok(!where.sql.includes('DROP'));
    const rows = await db.all<{ id: string }>(`SELECT "id" FROM "posts" WHERE ${where.sql} ORDER BY "id"`, where.params);
    return rows.map((r) => r.id);
  };
  assert.deepEqual(await run('title = {:t}', { t: "Hello World" }), ['p1']);
  assert.deepEqual(await run('title = {:t}', { t: injection }), []);
  assert.deepEqual(await run('views > {:min} && views < {:max}', { min: 5, max: 50 }), ['p1', 'p3', 'p7', 'p8']);
  assert.deepEqual(await run('tags:each ?= {:tag} && published = {:pub}', { tag: 'news', pub: true }), ['p1', 'p3', 'p5']);
  assert.throws(() => compileFilter('title = {:t}', { collection: posts, schema, dialect: db.dialect }), /no value given for \{:t\} at column 9/);
  const record = apiRecords('posts')[0] as Record<string, unknown>;
  assert.equal(matchRecord('title ~ {:q}', { collection: posts, schema, record, params: { q: 'world' } }), true);
});
