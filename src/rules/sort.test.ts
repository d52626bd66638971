import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eachDatabase } from '../testing/databases.js';
import { RuleSyntaxError, compileFilter, invalidSortError, parseSort } from './index.js';
import { loadFixture, posts, schema, users } from './rules.conformance.js';

eachDatabase('sort: fields, directions, relation paths, json, rowid, random', async (db) => {
  await loadFixture(db);
  const ids = async (sort: string, filter = ''): Promise<string[]> => {
    const order = parseSort(sort, { collection: posts, schema, dialect: db.dialect });
    const where = filter === '' ? { sql: '1=1', params: [] } : compileFilter(filter, { collection: posts, schema, dialect: db.dialect });
    const rows = await db.all<{ id: string }>(`SELECT "id" FROM "posts" WHERE ${where.sql} ORDER BY ${order.sql}`, where.params);
    return rows.map((r) => r.id);
  };
  assert.deepEqual(await ids('-views'), ['p6', 'p5', 'p1', 'p7', 'p8', 'p3', 'p2', 'p4']);
  assert.deepEqual(await ids('views,-id'), ['p4', 'p2', 'p3', 'p8', 'p7', 'p1', 'p5', 'p6']);
  // byte order: '' < '1' < 'H' < 'T' < 'h' < 'u' < 'Ü'
  assert.deepEqual(await ids('title'), ['p5', 'p3', 'p6', 'p1', 'p8', 'p2', 'p7', 'p4']);
  assert.deepEqual(await ids('+title', "title ~ 'hello'"), ['p6', 'p1', 'p2']);
  // relation paths: NULLs (no author, dangling author) first ascending
  assert.deepEqual(await ids('author.name,id'), ['p4', 'p8', 'p1', 'p3', 'p7', 'p2', 'p6', 'p5']);
  assert.deepEqual(await ids('-author.team.score,id'), ['p2', 'p6', 'p1', 'p3', 'p7', 'p4', 'p5', 'p8']);
  assert.deepEqual(await ids('@rowid'), ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8']);
  assert.deepEqual(await ids('-@rowid'), ['p8', 'p7', 'p6', 'p5', 'p4', 'p3', 'p2', 'p1']);
  assert.deepEqual((await ids('@random')).sort(), ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8']);
  assert.deepEqual(await ids('meta.s,id', "meta.s != ''"), ['p6', 'p1']);
});

test('sort errors point at the term', () => {
  const fail = (sort: string): RuleSyntaxError => {
    try {
      parseSort(sort, { collection: posts, schema, dialect: 'sqlite' });
    } catch (err) {
      if (err instanceof RuleSyntaxError) return err;
      throw err;
    }
    assert.fail(`no error for ${sort}`);
  };
  assert.match(fail('title,nope').message, /unknown field "nope" at column 7\./);
  assert.match(fail('editors.name').reason, /several values per record/);
  assert.match(fail('comments_via_post.likes').reason, /several values per record/);
  assert.match(fail(Array(9).fill('id').join(',')).reason, /more than 8 sort terms/);
  assert.match(fail('title;drop').reason, /invalid sort term/);
  assert.match(fail('@collection.users.name').reason, /cannot sort by/);
  assert.equal(invalidSortError(fail('x')).status, 400);
  assert.throws(() => parseSort('-@rowid', { collection: { ...posts, type: 'view' }, schema, dialect: 'sqlite' }), /view collections cannot be sorted by @rowid at column 1/);
  assert.throws(() => parseSort('tokenKey', { collection: users, schema, dialect: 'sqlite', allowHiddenFields: false }), /not filterable/);
  assert.equal(parseSort(' , -title ,', { collection: posts, schema, dialect: 'postgres' }).sql, '"posts"."title" COLLATE "C" DESC');
});

test('PostgreSQL gets a NULLS clause only where a NULL can occur (NOT NULL columns keep their btree order)', () => {
  const pg = (sort: string, collection = posts): string => parseSort(sort, { collection, schema, dialect: 'postgres' }).sql;
  assert.equal(pg('-views,id'), '"posts"."views" DESC, "posts"."id" COLLATE "C" ASC');
  assert.match(pg('author.name'), /ASC NULLS FIRST$/);
  assert.match(pg('-meta.s'), /DESC NULLS LAST$/);
  assert.equal(pg('views', { ...posts, type: 'view' }), '"posts"."views" ASC NULLS FIRST');
  assert.equal(parseSort('views', { collection: posts, schema, dialect: 'sqlite' }).sql, '"posts"."views" ASC');
});
