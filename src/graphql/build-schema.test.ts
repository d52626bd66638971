import assert from 'node:assert/strict';
import { test } from 'node:test';
import { printSchema, validateSchema } from 'graphql';
import type { Collection, Field } from '../core/schema.js';
import { buildGraphQLSchema } from './build-schema.js';
import { graphqlName, NameRegistry, pascalCase } from './graphql-names.js';

function field(name: string, type: Field['type'], extra: Record<string, unknown> = {}): Field {
  return { id: `f_${name}`, name, type, system: false, hidden: false, presentable: false, required: false, maxSelect: 1, ...extra } as unknown as Field;
}

function collection(id: string, name: string, fields: Field[], extra: Partial<Collection> = {}): Collection {
  return {
    id, name, type: 'base', system: false, indexes: [], created: '', updated: '',
    listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
    fields: [field('id', 'text'), ...fields],
    ...extra,
  } as Collection;
}

test('names: digits, reserved prefixes, PascalCase', () => {
  assert.equal(graphqlName('2fa'), '_2fa');
  assert.equal(graphqlName('__meta'), 'x__meta');
  assert.equal(graphqlName('posts'), 'posts');
  assert.equal(pascalCase('post_titles'), 'PostTitles');
  assert.equal(pascalCase('_superusers'), '_Superusers');
  assert.equal(pascalCase('2fa_codes'), '_2faCodes');
  const reg = NameRegistry.forTypes();
  assert.equal(reg.claim('Query'), 'Query2');
  assert.equal(reg.claim('Posts', (t) => [t, `${t}List`]), 'Posts');
  assert.equal(reg.claim('PostsList', (t) => [t, `${t}List`]), 'PostsList2');
});

test('collisions and GraphQL-invalid names still give a valid schema', () => {
  const authors = collection('c1', 'authors', [field('name', 'text'), field('2nd', 'text'), field('__meta', 'json')]);
  const posts = collection('c2', 'posts', [
    field('title', 'text'),
    field('author', 'relation', { collectionId: 'c1' }),
    field('author_id', 'text'), // collides with the generated id field of `author`
    field('files', 'file', { maxSelect: 5 }),
    field('where', 'geoPoint'),
  ]);
  const postsList = collection('c3', 'posts_list', [field('x', 'number')]);
  const query = collection('c4', 'Query', [field('y', 'bool')]);
  const numeric = collection('c5', '_2fa', [field('code', 'text')]);
  for (const superuser of [true, false]) {
    const { schema, names } = buildGraphQLSchema([authors, posts, postsList, query, numeric], { superuser, subscriptions: false });
    assert.deepEqual(validateSchema(schema).map((e) => e.message), []);
    assert.equal(names.get('c3')?.type, 'PostsList2');
    assert.equal(names.get('c4')?.type, 'Query2');
    const sdl = printSchema(schema);
    assert.match(sdl, /_2nd: String/);
    assert.match(sdl, /x__meta: JSON/);
    assert.match(sdl, /author: Authors/);
    assert.match(sdl, /author_id: String/);
    assert.match(sdl, /author_id2: ID/);
    assert.match(sdl, /posts_via_author\(limit: Int\): \[Posts!\]!/);
    assert.match(sdl, /files_url: \[String!\]!/);
    assert.match(sdl, /where: GeoPoint/);
  }
});

test('the public schema leaves out hidden fields, null-rule operations and closed collections', () => {
  const open = collection('c1', 'open', [field('visible', 'text'), field('secret', 'text', { hidden: true })], { deleteRule: null });
  const closed = collection('c2', 'closed', [field('v', 'text')], { listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null });
  const pub = printSchema(buildGraphQLSchema([open, closed], { superuser: false, subscriptions: false }).schema);
  assert.doesNotMatch(pub, /secret|closed|Closed|openDelete/);
  assert.match(pub, /openCreate/);
  const su = printSchema(buildGraphQLSchema([open, closed], { superuser: true, subscriptions: false }).schema);
  assert.match(su, /secret: String/);
  assert.match(su, /closedList/);
  assert.match(su, /openDelete/);
});
