import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GUEST, RuleCache, RuleSyntaxError, prepareRule } from './index.js';
import type { PreparedRule, SchemaLookup } from './index.js';
import { posts, schema } from './rules.conformance.js';

test('RuleCache evicts the least recently used entry', () => {
  const c = new RuleCache<number>(2);
  c.set('a', 1);
  c.set('b', 2);
  assert.equal(c.get('a'), 1);
  c.set('c', 3);
  assert.equal(c.get('b'), undefined);
  assert.equal(c.get('a'), 1);
  assert.equal(c.size, 2);
});

test('prepared rules are cached per schema version, collection and options', () => {
  const cache = new RuleCache<PreparedRule | Error>(10);
  const a = prepareRule("title = 'x'", { collection: posts, schema, cache });
  assert.equal(prepareRule("title = 'x'", { collection: posts, schema, cache }), a);
  assert.notEqual(prepareRule("title = 'x'", { collection: posts, schema, cache, allowHiddenFields: false }), a);
  const v2: SchemaLookup = { version: 2, find: (n) => schema.find(n) };
  assert.notEqual(prepareRule("title = 'x'", { collection: posts, schema: v2, cache }), a);
  // The compiled form serves both dialects and every request.
  assert.match(a.toSql({ dialect: 'sqlite', request: GUEST }).sql, /"posts"."title"/);
  assert.match(a.toSql({ dialect: 'postgres', alias: 'p' }).sql, /"p"."title"/);
});

test('bad expressions are cached as errors', () => {
  const cache = new RuleCache<PreparedRule | Error>(10);
  assert.throws(() => prepareRule('nope = 1', { collection: posts, schema, cache }), RuleSyntaxError);
  assert.equal(cache.size, 1);
  assert.throws(() => prepareRule('nope = 1', { collection: posts, schema, cache }), /unknown field "nope" at column 1/);
  // Resolution errors point at the identifier, like syntax errors point at the token.
  assert.throws(() => prepareRule("title = 'x' && author.nope ?= 1", { collection: posts, schema, cache }), /unknown field "nope" at column 16\./);
  assert.throws(() => prepareRule("title = 'x' || title:bad = 1", { collection: posts, schema, cache }), /unknown modifier ":bad" at column 16\./);
});

test('usesRequestOrCollection flags what guests may not put in ?filter=', () => {
  const uses = (e: string): boolean => prepareRule(e, { collection: posts, schema }).usesRequestOrCollection;
  assert.equal(uses("title = 'x'"), false);
  assert.equal(uses("title = 'x' || @request.auth.id != ''"), true);
  assert.equal(uses('@collection.comments.post ?= id'), true);
  assert.equal(uses('created < @now'), false);
});

test('rules without request values render once per dialect and alias', () => {
  const cache = new RuleCache<PreparedRule | Error>(10);
  const r = prepareRule("title = 'x' && views > 1", { collection: posts, schema, cache });
  const a = r.toSql({ dialect: 'sqlite' });
  a.params.push('mutated');
  const b = r.toSql({ dialect: 'sqlite' });
  assert.deepEqual(b.params, ['x', 1]);
  assert.equal(a.sql, b.sql);
  assert.match(r.toSql({ dialect: 'postgres', alias: 'p' }).sql, /"p"\."views"/);
  const dynamic = prepareRule('author = @request.auth.id', { collection: posts, schema, cache });
  assert.notEqual(dynamic.toSql({ dialect: 'sqlite' }).sql, dynamic.toSql({ dialect: 'sqlite', request: { auth: { id: 'u1', collectionId: 'x', collectionName: 'users' } } }).sql);
});

test('auth-only rules render once per signed-in user: the key is the auth fields the rule reads', () => {
  const cache = new RuleCache<PreparedRule | Error>(10);
  const r = prepareRule('author = @request.auth.id || (@request.auth.verified = true && author.name = @request.auth.name)', { collection: posts, schema, cache });
  const as = (auth: Record<string, unknown> & { id: string }) => r.toSql({ dialect: 'sqlite', request: { auth: { collectionId: '_pb_users_auth_', collectionName: 'users', ...auth } } });
  const u1 = as({ id: 'u1', verified: true, name: 'A' });
  u1.params.push('mutated');
  const again = as({ id: 'u1', verified: true, name: 'A' });
  assert.equal(again.sql, u1.sql);
  assert.ok(!again.params.includes('mutated'));
  assert.ok(again.params.includes('u1') && again.params.includes('A'));
  // Another user, or the same user with other values, never gets u1's parameters or shape.
  const u2 = as({ id: 'u2', verified: true, name: 'B' });
  assert.ok(u2.params.includes('u2') && u2.params.includes('B') && !u2.params.includes('u1'));
  assert.deepEqual(as({ id: 'u1', verified: false, name: 'A' }), prepareRule('author = @request.auth.id || (@request.auth.verified = true && author.name = @request.auth.name)', { collection: posts, schema, cache: new RuleCache(10) }).toSql({ dialect: 'sqlite', request: { auth: { collectionId: '_pb_users_auth_', collectionName: 'users', id: 'u1', verified: false, name: 'A' } } }));
  assert.ok(!as({ id: 'u1', verified: true, name: 'C' }).params.includes('A'));
  // Guests share one rendering; relation paths through @request.auth bind by the user's id.
  const team = prepareRule('@request.auth.team.name = "x"', { collection: posts, schema, cache });
  const t1 = team.toSql({ dialect: 'sqlite', request: { auth: { id: 'u1', collectionId: '_pb_users_auth_', collectionName: 'users' } } });
  const t2 = team.toSql({ dialect: 'sqlite', request: { auth: { id: 'u2', collectionId: '_pb_users_auth_', collectionName: 'users' } } });
  assert.ok(t1.params.includes('u1') && t2.params.includes('u2') && !t2.params.includes('u1'));
});
