import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIndex, indexSql, IndexParseError, parseIndex } from './index-definition.js';

test('parses a PocketBase unique index and re-emits it per dialect', () => {
  const def = parseIndex('CREATE UNIQUE INDEX IF NOT EXISTS `idx_slug` ON `posts` (`slug` COLLATE NOCASE DESC, title)');
  assert.deepEqual(def, {
    unique: true, name: 'idx_slug', table: 'posts',
    columns: [{ name: 'slug', collate: 'NOCASE', sort: 'DESC' }, { name: 'title', collate: '', sort: '' }],
    where: [],
  });
  assert.equal(formatIndex(def), 'CREATE UNIQUE INDEX `idx_slug` ON `posts` (`slug` COLLATE NOCASE DESC, `title`)');
  assert.equal(indexSql(def, 'sqlite', 'posts'), 'CREATE UNIQUE INDEX "idx_slug" ON "posts" ("slug" COLLATE NOCASE DESC, "title")');
  assert.equal(indexSql(def, 'postgres', 'posts'), 'CREATE UNIQUE INDEX "idx_slug" ON "posts" (lower("slug") DESC, "title")');
});

test('keeps a safe WHERE subset and quotes its identifiers', () => {
  const def = parseIndex(`CREATE UNIQUE INDEX "idx_email" ON "users" ("email") WHERE "email" != '' AND (verified = TRUE OR x IN ('a', 'b''c'))`);
  assert.equal(
    indexSql(def, 'postgres', 'users'),
    `CREATE UNIQUE INDEX "idx_email" ON "users" ("email") WHERE "email" != '' AND ("verified" = TRUE OR "x" IN ('a', 'b''c'))`,
  );
  assert.equal(formatIndex(parseIndex(formatIndex(def))), formatIndex(def));
});

test('refuses what is outside the subset', () => {
  for (const bad of [
    'DROP TABLE posts',
    'CREATE INDEX idx ON posts',
    'CREATE INDEX idx ON posts (lower(title))',
    'CREATE INDEX idx ON posts (title) WHERE title = (SELECT 1)',
    'CREATE INDEX idx ON posts (title); DROP TABLE posts',
    'CREATE INDEX idx ON posts (title) -- comment',
    'CREATE INDEX idx ON posts (title COLLATE RTRIM)',
    'CREATE INDEX idx ON posts (title) WHERE title LIKE \'%a\'',
    'CREATE INDEX idx ON posts (title) WHERE (title = \'a\'',
  ]) {
    assert.throws(() => parseIndex(bad), IndexParseError, bad);
  }
});
