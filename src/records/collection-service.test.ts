import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApiError } from '../core/errors.js';
import type { Collection, Field } from '../core/schema.js';
import type { Database } from '../db/database.js';
import { eachDatabase } from '../testing/databases.js';
import { CollectionService, laterStamp } from './collection-service.js';

async function service(db: Database): Promise<CollectionService> {
  const s = new CollectionService(db);
  await s.load();
  return s;
}

async function rejectsWith(p: Promise<unknown>, status: number, path?: string, code?: string): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    assert.ok(isApiError(err), String(err));
    assert.equal(err.status, status, JSON.stringify(err.toJSON()));
    if (path) {
      let node: unknown = err.data;
      for (const k of path.split('.')) node = (node as Record<string, unknown> | undefined)?.[k];
      assert.ok(node, `no error at ${path}: ${JSON.stringify(err.data)}`);
      if (code) assert.equal((node as { code: string }).code, code);
    }
    return err.data as Record<string, unknown>;
  }
  assert.fail('expected an error');
}

function userFields(c: Collection): Array<Record<string, unknown>> {
  return c.fields.map((f) => ({ ...f }));
}

const rows = (db: Database, table: string, cols: string) =>
  db.all(`SELECT ${cols} FROM "${table}" ORDER BY "id"`);

eachDatabase('system collections, cache and reload', async (db) => {
  const s = new CollectionService(db);
  await s.ensureSystemCollections();
  const su = s.find('_SUPERUSERS');
  assert.equal(su?.id, 'pbc_3142635823');
  assert.equal(su?.system, true);
  assert.equal(su?.authToken?.duration, 86400);
  const users = s.find('_pb_users_auth_');
  assert.equal(users?.name, 'users');
  assert.deepEqual(users?.fields.map((f) => f.name), ['id', 'password', 'tokenKey', 'email', 'emailVisibility', 'verified', 'name', 'avatar', 'created', 'updated']);
  await db.run(`INSERT INTO "users" ("id", "email", "tokenKey", "password") VALUES ('u1', 'a@b.c', 'k', 'p')`);
  await rejectsWith(s.delete('_superusers'), 400);

  const other = await service(db);
  assert.deepEqual(other.all().map((c) => c.name), s.all().map((c) => c.name));
  assert.equal(other.find('users')?.authToken?.secret, users?.authToken?.secret, 'secrets persisted');
  const v = other.version;
  await s.create({ name: 'posts' });
  await other.reload();
  assert.ok(other.version > v);
  assert.ok(other.find('POSTS'));
  // read-after-write across nodes without waiting for pub/sub: findFresh / refresh
  await s.create({ name: 'late' });
  assert.equal(other.find('late'), undefined);
  assert.equal((await other.findFresh('LATE'))?.name, 'late');
  assert.equal(await other.refresh(), false, 'nothing changed since');
  await s.update('late', { listRule: '' });
  assert.equal(await other.refresh(), true);
  assert.equal(other.find('late')?.listRule, '');
  await s.delete('late');
  assert.equal(await other.refresh(), true);
  assert.equal(other.find('late'), undefined);
  await s.ensureSystemCollections(); // idempotent
  assert.equal(s.all().filter((c) => c.name === 'users').length, 1);
  assert.deepEqual(s.list({ filter: "system = true", sort: '-name' }).map((c) => c.name), ['_superusers']);
  assert.deepEqual(s.list({ filter: "type = 'auth' && (name ~ 'USERS' && system = false)" }).map((c) => c.name), ['users']);
});

eachDatabase('schema changes keep data: add, remove, rename, required', async (db) => {
  const s = await service(db);
  const events: string[] = [];
  s.onChange((e) => void events.push(`${e.action}:${e.after?.name ?? e.before?.name}`));
  let c = await s.create({ name: 'posts', fields: [{ name: 'title', type: 'text' }, { name: 'body', type: 'editor' }] });
  await db.run(`INSERT INTO "posts" ("id", "title", "body") VALUES ('a', 'one', 'x'), ('b', 'two', 'y')`);

  // add a field, and a required one over existing rows: they get the zero value
  c = await s.update('posts', { fields: [...userFields(c), { name: 'views', type: 'number', required: true }, { name: 'tags', type: 'json' }, { name: 'ok', type: 'bool', required: true }] });
  const added = await rows(db, 'posts', '"id", "title", "views", "tags", "ok"');
  assert.deepEqual(added.map((r) => [r.id, r.title, Number(r.views), r.tags, Boolean(r.ok)]), [['a', 'one', 0, null, false], ['b', 'two', 0, null, false]]);

  // rename title -> headline, matched by field id
  const titleId = c.fields.find((f) => f.name === 'title')?.id;
  c = await s.update('posts', { fields: userFields(c).map((f) => (f.id === titleId ? { ...f, name: 'headline' } : f)) });
  assert.deepEqual((await rows(db, 'posts', '"headline"')).map((r) => r.headline), ['one', 'two']);

  // swap two names in one change
  const bodyId = c.fields.find((f) => f.name === 'body')?.id;
  c = await s.update('posts', {
    fields: userFields(c).map((f) => (f.id === titleId ? { ...f, name: 'body' } : f.id === bodyId ? { ...f, name: 'headline' } : f)),
  });
  assert.deepEqual((await rows(db, 'posts', '"body", "headline"')).map((r) => [r.body, r.headline]), [['one', 'x'], ['two', 'y']]);

  // remove a field
  c = await s.update('posts', { fields: userFields(c).filter((f) => f.name !== 'headline') });
  assert.deepEqual((await rows(db, 'posts', '"id", "body"')).map((r) => r.body), ['one', 'two']);
  await assert.rejects(db.all(`SELECT "headline" FROM "posts"`));

  // type change is refused, the schema stays
  const bodyField = c.fields.find((f) => f.name === 'body') as Field;
  await rejectsWith(s.update('posts', { fields: userFields(c).map((f) => (f.id === bodyField.id ? { ...f, type: 'number' } : f)) }), 400);
  assert.equal(s.find('posts')?.fields.find((f) => f.id === bodyField.id)?.type, 'text');
  assert.deepEqual(events, ['create:posts', 'update:posts', 'update:posts', 'update:posts', 'update:posts']);
});

eachDatabase('schema changes keep data: relation single <-> multi, select values', async (db) => {
  const s = await service(db);
  const authors = await s.create({ name: 'authors' });
  let posts = await s.create({
    name: 'posts',
    fields: [
      { name: 'author', type: 'relation', collectionId: authors.id, maxSelect: 1 },
      { name: 'status', type: 'select', values: ['draft', 'live'], maxSelect: 1 },
    ],
  });
  await db.run(`INSERT INTO "authors" ("id") VALUES ('a1'), ('a2')`);
  await db.run(`INSERT INTO "posts" ("id", "author", "status") VALUES ('p1', 'a1', 'draft'), ('p2', '', 'live')`);

  posts = await s.update('posts', { fields: userFields(posts).map((f) => (f.name === 'author' ? { ...f, maxSelect: 5 } : f)) });
  const multi = await rows(db, 'posts', '"id", "author"');
  const parse = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  assert.deepEqual(multi.map((r) => parse(r.author)), [['a1'], []]);
  await db.run(`UPDATE "posts" SET "author" = '["a2","a1"]' WHERE "id" = 'p2'`);

  posts = await s.update('posts', { fields: userFields(posts).map((f) => (f.name === 'author' ? { ...f, maxSelect: 1 } : f)) });
  assert.deepEqual((await rows(db, 'posts', '"author"')).map((r) => r.author), ['a1', 'a2']);

  // select values change: stored values are kept as they are
  posts = await s.update('posts', { fields: userFields(posts).map((f) => (f.name === 'status' ? { ...f, values: ['draft', 'published'] } : f)) });
  assert.deepEqual((await rows(db, 'posts', '"status"')).map((r) => r.status), ['draft', 'live']);
  const status = posts.fields.find((f) => f.name === 'status');
  assert.deepEqual(status?.type === 'select' && status.values, ['draft', 'published']);
});

eachDatabase('unique indexes: add, refuse over duplicates, drop', async (db) => {
  const s = await service(db);
  let c = await s.create({ name: 'tags', fields: [{ name: 'slug', type: 'text' }, { name: 'n', type: 'number' }] });
  await db.run(`INSERT INTO "tags" ("id", "slug") VALUES ('a', 'x'), ('b', 'X')`);

  c = await s.update('tags', { indexes: ['CREATE UNIQUE INDEX idx_slug ON tags (slug)'] });
  assert.deepEqual(c.indexes, ['CREATE UNIQUE INDEX `idx_slug` ON `tags` (`slug`)']);
  await assert.rejects(db.run(`INSERT INTO "tags" ("id", "slug") VALUES ('c', 'x')`));

  // NOCASE: 'x' and 'X' collide on both engines; the old schema stays intact
  const before = s.find('tags');
  await rejectsWith(s.update('tags', { indexes: ['CREATE UNIQUE INDEX idx_slug_ci ON tags (slug COLLATE NOCASE)'] }), 400, 'indexes.0', 'validation_index_unique_violation');
  assert.deepEqual(s.find('tags'), before);
  // a change that adds a column and then fails on the index rolls the column back too
  await rejectsWith(s.update('tags', {
    fields: [...userFields(before as Collection), { name: 'extra', type: 'text' }],
    indexes: [...(before as Collection).indexes, 'CREATE UNIQUE INDEX idx_slug_ci ON tags (slug COLLATE NOCASE)'],
  }), 400, 'indexes.1', 'validation_index_unique_violation');
  await assert.rejects(db.all(`SELECT "extra" FROM "tags"`));
  assert.deepEqual(s.find('tags'), before);
  await assert.rejects(db.run(`INSERT INTO "tags" ("id", "slug") VALUES ('c', 'x')`), 'the old unique index is still there');
  await db.run(`INSERT INTO "tags" ("id", "slug") VALUES ('c', 'y')`);

  c = await s.update('tags', { indexes: [] });
  await db.run(`INSERT INTO "tags" ("id", "slug") VALUES ('d', 'x')`);
  assert.equal((await rows(db, 'tags', '"id"')).length, 4);

  // indexes must name existing fields; names are unique across collections
  await rejectsWith(s.update('tags', { indexes: ['CREATE INDEX idx_q ON tags (nope)'] }), 400, 'indexes.0', 'validation_invalid_index');
  await s.update('tags', { indexes: ['CREATE INDEX idx_n ON tags (n)'] });
  await rejectsWith(s.create({ name: 'other', fields: [{ name: 'n', type: 'number' }], indexes: ['CREATE INDEX idx_n ON other (n)'] }), 400, 'indexes.0', 'validation_duplicated_index_name');
});

eachDatabase('rename a collection: table follows, relations by id keep working', async (db) => {
  const s = await service(db);
  const authors = await s.create({ name: 'authors', fields: [{ name: 'name', type: 'text' }], indexes: ['CREATE UNIQUE INDEX idx_author_name ON authors (name)'] });
  await s.create({ name: 'posts', fields: [{ name: 'author', type: 'relation', collectionId: authors.id, maxSelect: 1 }] });
  await db.run(`INSERT INTO "authors" ("id", "name") VALUES ('a1', 'Ann')`);
  await db.run(`INSERT INTO "posts" ("id", "author") VALUES ('p1', 'a1')`);

  const renamed = await s.update('authors', { name: 'writers' });
  assert.equal(renamed.id, authors.id);
  assert.deepEqual(renamed.indexes, ['CREATE UNIQUE INDEX `idx_author_name` ON `writers` (`name`)']);
  assert.equal(s.find('authors'), undefined);
  assert.equal(s.find('writers')?.id, authors.id);
  const joined = await db.all(`SELECT "w"."name" FROM "posts" "p" JOIN "writers" "w" ON "w"."id" = "p"."author"`);
  assert.deepEqual(joined.map((r) => r.name), ['Ann']);
  await assert.rejects(db.run(`INSERT INTO "writers" ("id", "name") VALUES ('a2', 'Ann')`), 'unique index moved with the table');

  await rejectsWith(s.delete('writers'), 400);
  await s.delete('posts');
  await s.delete('writers');
  assert.equal(s.all().length, 0);
});

eachDatabase('view collections: portable subset, fields inferred, created as SQL views', async (db) => {
  const s = await service(db);
  const authors = await s.create({ name: 'authors', fields: [{ name: 'name', type: 'text' }] });
  await s.create({ name: 'posts', fields: [{ name: 'author', type: 'relation', collectionId: authors.id, maxSelect: 1 }, { name: 'views', type: 'number' }] });
  await db.run(`INSERT INTO "authors" ("id", "name") VALUES ('a1', 'Ann'), ('a2', 'Bob')`);
  await db.run(`INSERT INTO "posts" ("id", "author", "views") VALUES ('p1', 'a1', 3), ('p2', 'a1', 4), ('p3', 'a2', 1)`);

  const view = await s.create({
    name: 'author_stats',
    type: 'view',
    viewQuery: 'SELECT a.id, a.name, count(p.id) AS posts, sum(p.views) AS total FROM authors a LEFT JOIN posts p ON p.author = a.id GROUP BY a.id, a.name',
    listRule: '',
  });
  assert.deepEqual(view.fields.map((f) => `${f.name}:${f.type}`), ['id:text', 'name:text', 'posts:number', 'total:number']);
  assert.deepEqual(view.indexes, []);
  const out = await db.all(`SELECT "id", "name", "posts", "total" FROM "author_stats" ORDER BY "id"`);
  assert.deepEqual(out.map((r) => [r.id, r.name, Number(r.posts), Number(r.total)]), [['a1', 'Ann', 2, 7], ['a2', 'Bob', 1, 1]]);

  await rejectsWith(s.create({ name: 'bad', type: 'view', viewQuery: 'SELECT id FROM _collections' }), 400, 'viewQuery', 'validation_invalid_view_query');
  await rejectsWith(s.create({ name: 'bad', type: 'view', viewQuery: 'SELECT id, nope FROM authors' }), 400, 'viewQuery', 'validation_invalid_view_query');
  await rejectsWith(s.create({ name: 'bad', type: 'view', viewQuery: 'SELECT id FROM authors', createRule: '' }), 400, 'createRule');
  await rejectsWith(s.truncate('author_stats'), 400);

  // a change that breaks a view is refused; the base schema stays as it was
  const posts = s.find('posts') as Collection;
  await rejectsWith(s.update('posts', { fields: userFields(posts).filter((f) => f.name !== 'views') }), 400, 'fields', 'validation_view_dependency');
  assert.ok(s.find('posts')?.fields.some((f) => f.name === 'views'));
  assert.equal((await db.all(`SELECT * FROM "author_stats"`)).length, 2);

  // unrelated changes rebuild views transparently
  await s.update('posts', { fields: [...userFields(posts), { name: 'extra', type: 'text' }] });
  assert.equal((await db.all(`SELECT * FROM "author_stats"`)).length, 2);
  await s.update('author_stats', { viewQuery: 'SELECT id, name FROM authors WHERE name != \'Bob\'' });
  assert.deepEqual((await db.all(`SELECT "name" FROM "author_stats"`)).map((r) => r.name), ['Ann']);

  // renaming a collection a view reads rewrites the view query
  const renamed: string[] = [];
  s.onChange((e) => void renamed.push(`${e.action}:${e.after?.name}`));
  await s.update('authors', { name: 'Writers' });
  assert.equal(s.find('author_stats')?.viewQuery, `SELECT id, name FROM "Writers" WHERE name != 'Bob'`);
  assert.deepEqual((await db.all(`SELECT "name" FROM "author_stats"`)).map((r) => r.name), ['Ann']);
  assert.deepEqual(renamed, ['update:Writers', 'update:author_stats']);
  await s.delete('author_stats');
  await assert.rejects(db.all(`SELECT * FROM "author_stats"`));
});

eachDatabase('truncate, import and delete', async (db) => {
  const s = await service(db);
  await s.create({ name: 'notes', fields: [{ name: 'text', type: 'text' }] });
  await db.run(`INSERT INTO "notes" ("id", "text") VALUES ('n1', 'x')`);
  await s.truncate('notes');
  assert.equal((await rows(db, 'notes', '"id"')).length, 0);

  // import: forward relation reference, update of an existing one, deleteMissing
  await db.run(`INSERT INTO "notes" ("id", "text") VALUES ('n1', 'kept')`);
  const notes = s.find('notes') as Collection;
  await s.import([
    { id: 'pbc_cmt', name: 'comments', fields: [{ name: 'note', type: 'relation', collectionId: 'pbc_nts2', maxSelect: 1 }] },
    { id: 'pbc_nts2', name: 'notebooks' },
    { ...notes, fields: [...userFields(notes), { name: 'pinned', type: 'bool' }] },
  ], false);
  assert.ok(s.find('comments') && s.find('notebooks'));
  assert.deepEqual((await rows(db, 'notes', '"text", "pinned"')).map((r) => [r.text, Boolean(r.pinned)]), [['kept', false]]);

  await rejectsWith(s.import([{ name: 'bad name' }], false), 400, 'collections.0.name');
  assert.ok(!s.find('bad name'));

  await s.import([{ id: 'pbc_nts2', name: 'notebooks' }], true);
  assert.deepEqual(s.all().map((c) => c.name), ['notebooks']);
  await assert.rejects(db.all(`SELECT * FROM "notes"`));
});

test('schema writes stamp updated past the latest stored one, so refresh() sees two changes in one millisecond', () => {
  assert.equal(laterStamp('2026-11-25 00:00:00.002Z', '2026-11-25 00:00:00.001Z'), '2026-11-25 00:00:00.002Z');
  assert.equal(laterStamp('2026-11-25 00:00:00.001Z', '2026-11-25 00:00:00.001Z'), '2026-11-25 00:00:00.002Z');
  // A clock behind the stored value (another node's, or stepped back) still moves it forward.
  assert.equal(laterStamp('2026-11-25 00:00:00.000Z', '2026-11-25 00:00:00.999Z'), '2026-11-25 00:00:01.000Z');
  assert.equal(laterStamp('2026-11-25 00:00:00.000Z', ''), '2026-11-25 00:00:00.000Z');
});

eachDatabase('refresh() sees every schema change, however fast they follow each other', async (db) => {
  const s = await service(db);
  const other = await service(db);
  for (let i = 0; i < 20; i++) {
    await s.create({ name: `fast${i}` });
    assert.equal(await other.refresh(), true, `create ${i}`);
    await s.update(`fast${i}`, { listRule: '' });
    assert.equal(await other.refresh(), true, `update ${i}`);
    assert.equal(other.find(`fast${i}`)?.listRule, '');
  }
});
