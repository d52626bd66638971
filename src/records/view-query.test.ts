import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Collection } from '../core/schema.js';
import { normalizeCollection } from './collection-normalizer.js';
import { analyzeViewQuery, renameCollectionInViewQuery, ViewQueryError } from './view-query.js';

const now = '2024-01-01 00:00:00.000Z';
const users = normalizeCollection({ name: 'users', type: 'auth', fields: [{ name: 'name', type: 'text' }] }, { others: [], now });
const posts = normalizeCollection({
  name: 'posts',
  fields: [
    { name: 'Title', type: 'text' },
    { name: 'views', type: 'number' },
    { name: 'author', type: 'relation', collectionId: users.id, maxSelect: 1 },
  ],
}, { others: [users], now });
const all: Collection[] = [users, posts];

test('infers fields from source columns and expressions', () => {
  const { fields, sql } = analyzeViewQuery(
    'SELECT p.id, p.Title, p.author, count(*) AS total, lower(Title) AS low, CAST(views AS TEXT) AS v, 1.5 AS k, p.created FROM posts p JOIN users u ON u.id = p.author GROUP BY p.id',
    all,
  );
  const byName = Object.fromEntries(fields.map((f) => [f.name, f.type]));
  assert.deepEqual(byName, { id: 'text', Title: 'text', author: 'relation', total: 'number', low: 'text', v: 'text', k: 'number', created: 'autodate' });
  const author = fields.find((f) => f.name === 'author');
  assert.equal(author?.type === 'relation' && author.collectionId, users.id);
  assert.match(sql, /"posts" p JOIN "users" u ON u\."id" = p\."author"/);
  assert.match(sql, /p\."Title"/);
});

test('refuses queries outside the portable subset', () => {
  for (const bad of [
    'DELETE FROM posts',
    'SELECT id FROM posts; DROP TABLE posts',
    'SELECT * FROM posts',
    'SELECT id FROM _collections',
    'SELECT id FROM sqlite_master',
    'SELECT id FROM pg_catalog.pg_tables',
    'SELECT title FROM posts',
    'SELECT id, random() AS r FROM posts',
    'WITH x AS (SELECT id FROM posts) SELECT id FROM x',
    'SELECT id, views + 1 FROM posts',
    'SELECT id FROM posts -- hi',
    'SELECT id FROM (SELECT id FROM _params) t',
  ]) {
    assert.throws(() => analyzeViewQuery(bad, all), ViewQueryError, bad);
  }
});

test('rewrites table references to a renamed collection, nothing else', () => {
  assert.equal(
    renameCollectionInViewQuery("SELECT posts.id, 'posts' AS posts FROM posts JOIN users ON users.id = posts.author, (SELECT id FROM posts) x", 'posts', 'articles'),
    `SELECT "articles".id, 'posts' AS posts FROM "articles" JOIN users ON users.id = "articles".author, (SELECT id FROM "articles") x`,
  );
});
