import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GUEST, matchRecord } from './index.js';
import { apiRecords, authRecord, comments, defaultRequest, posts, schema, users as usersCollection } from './rules.conformance.js';

// The decision list of docs/filter-language.md ("Realtime: what the in-memory matcher decides").

const p1 = apiRecords('posts')[0] as Record<string, unknown>;
const match = (expr: string, record: Record<string, unknown> = p1, request = defaultRequest) =>
  matchRecord(expr, { collection: posts, schema, record, request });

test('decides fields of the record, request values, macros and functions', () => {
  assert.equal(match("title = 'Hello World' && tags:each ?= 'tech' && meta.nested.k = 'v'"), true);
  assert.equal(match('@request.auth.id = author && @request.body.tags:each ?= tags:each'), true);
  assert.equal(match("@request.body.title:changed = false && @request.method = 'POST'"), true);
  assert.equal(match('created < @now && geoDistance(location.lon, location.lat, 0, 0) < 1'), true);
  assert.equal(match("strftime('%Y-%m', created) = '2024-01'"), true);
  assert.equal(match('author = @request.auth.id', p1, GUEST), false);
});

test('decides relation paths from expand, undecided without it', () => {
  assert.equal(match("author.name = 'Alice' && author.team.name = 'Red'"), true);
  assert.equal(match("editors.name = 'bob'"), true);
  const { expand: _expand, ...bare } = p1;
  assert.equal(match("author.name = 'Alice'", bare), 'undecided');
  // Present but incomplete (one editor missing, e.g. hidden by its view rule): undecided.
  const partial = { ...p1, editors: ['u2', 'u3'] };
  assert.equal(match("editors.name ?= 'nobody'", partial), 'undecided');
  const withAuthExpand = { ...defaultRequest, auth: { ...(authRecord('u1') as NonNullable<typeof defaultRequest.auth>), expand: { team: { id: 't1', name: 'Red' } } } };
  assert.equal(match("@request.auth.team.name = 'Red'", p1, withAuthExpand), true);
  assert.equal(match("@request.auth.team.name = 'Red'"), 'undecided');
});

test('undecided for other rows, missing keys, strftime modifiers', () => {
  assert.equal(match('@collection.comments.post ?= id'), 'undecided');
  assert.equal(match('comments_via_post.likes > 0'), 'undecided');
  assert.equal(match("@request.body.author.name = 'Alice'"), 'undecided');
  const { title: _title, ...noTitle } = p1;
  assert.equal(match("title = 'x'", noTitle), 'undecided');
  assert.equal(match("strftime('%Y', created, 'start of year') = '2024'"), 'undecided');
});

test('short-circuits before reaching what it cannot judge', () => {
  const { title: _title, ...noTitle } = p1;
  assert.equal(match("views = 999 && title = 'x'", noTitle), false);
  assert.equal(match("views = 10 || title = 'x'", noTitle), true);
});

test('emailVisibility guards email in client filters', () => {
  const c = apiRecords('comments')[0] as Record<string, unknown>;
  assert.equal(matchRecord("text = 'nice'", { collection: comments, schema, record: c }), true);
  const users = apiRecords('users');
  const bob = users[1] as Record<string, unknown>;
  const alice = users[0] as Record<string, unknown>;
  const opts = { collection: usersCollection, schema, allowHiddenFields: false };
  assert.equal(matchRecord("email ~ 'example'", { ...opts, record: bob }), false);
  assert.equal(matchRecord("email ~ 'example'", { ...opts, record: alice }), true);
});

test('bounded work: huge joined products are undecided, not slow', () => {
  const many = Array.from({ length: 200 }, (_, i) => `t${i}`);
  const record = { ...p1, tags: many, editors: [] as string[] };
  // 200 x 200 item pairs for the shared scope exceed the combination budget.
  assert.equal(match("tags:each ?= 'x' && @request.body.tags:each ?= tags:each", record, { ...defaultRequest, body: { tags: many } }), 'undecided');
  assert.equal(match("tags:each ?= 't5'", record), true);
});
