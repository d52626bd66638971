import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { validate, compileErrors } from '@readme/openapi-parser';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { Collection, Field } from '../core/schema.js';
import { buildOpenApi } from './build-openapi.js';
import type { OpenApiDocument } from './build-openapi.js';

const common = { system: false, hidden: false, presentable: false };
const T = '2024-11-10 18:45:27.123Z';

function idField(): Field {
  return { ...common, id: 'text3208210256', name: 'id', type: 'text', system: true, min: 15, max: 15, pattern: '^[a-z0-9]+$', autogeneratePattern: '[a-z0-9]{15}', required: true, primaryKey: true };
}
function autodates(): Field[] {
  return [
    { ...common, id: 'autodate2990389176', name: 'created', type: 'autodate', onCreate: true, onUpdate: false },
    { ...common, id: 'autodate3332085495', name: 'updated', type: 'autodate', onCreate: true, onUpdate: true },
  ];
}
function collection(partial: Partial<Collection> & Pick<Collection, 'id' | 'name' | 'type' | 'fields'>): Collection {
  return { system: false, indexes: [], listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null, created: T, updated: T, ...partial };
}

/** A small app: one base collection with every field type, an auth collection and a view. */
export const fixture: Collection[] = [
  collection({
    id: 'pbc_1125843985',
    name: 'posts',
    type: 'base',
    listRule: 'published = true || owner = @request.auth.id',
    viewRule: 'published = true || owner = @request.auth.id',
    createRule: '@request.auth.id != ""',
    updateRule: 'owner = @request.auth.id',
    deleteRule: 'owner = @request.auth.id',
    fields: [
      idField(),
      { ...common, id: 'text1', name: 'title', type: 'text', min: 3, max: 120, pattern: '', autogeneratePattern: '', required: true, primaryKey: false },
      { ...common, id: 'text2', name: 'slug', type: 'text', min: 0, max: 0, pattern: '^[a-z-]+$', autogeneratePattern: '[a-z]{8}', required: true, primaryKey: false },
      { ...common, id: 'editor1', name: 'body', type: 'editor', maxSize: 0, convertURLs: false, required: false },
      { ...common, id: 'number1', name: 'views', type: 'number', min: 0, max: null, onlyInt: true, required: false },
      { ...common, id: 'number2', name: 'score', type: 'number', min: null, max: 10, onlyInt: false, required: false, help: 'Average rating.' },
      { ...common, id: 'bool1', name: 'published', type: 'bool', required: false },
      { ...common, id: 'email1', name: 'contact', type: 'email', exceptDomains: null, onlyDomains: null, required: false },
      { ...common, id: 'url1', name: 'link', type: 'url', exceptDomains: null, onlyDomains: null, required: false },
      { ...common, id: 'date1', name: 'publishAt', type: 'date', min: '', max: '', required: false },
      { ...common, id: 'select1', name: 'status', type: 'select', values: ['draft', 'live'], maxSelect: 1, required: true },
      { ...common, id: 'select2', name: 'tags', type: 'select', values: ['a', 'b', 'c'], maxSelect: 3, required: false },
      { ...common, id: 'file1', name: 'cover', type: 'file', maxSize: 0, maxSelect: 1, mimeTypes: ['image/png'], thumbs: null, protected: false, required: false },
      { ...common, id: 'file2', name: 'attachments', type: 'file', maxSize: 0, maxSelect: 5, mimeTypes: null, thumbs: null, protected: false, required: false },
      { ...common, id: 'relation1', name: 'owner', type: 'relation', collectionId: '_pb_users_auth_', cascadeDelete: false, minSelect: 0, maxSelect: 1, required: false },
      { ...common, id: 'relation2', name: 'related', type: 'relation', collectionId: 'pbc_1125843985', cascadeDelete: false, minSelect: 0, maxSelect: 10, required: false },
      { ...common, id: 'json1', name: 'meta', type: 'json', maxSize: 2000, required: false },
      { ...common, id: 'geo1', name: 'place', type: 'geoPoint', required: false },
      { ...common, id: 'text3', name: 'secretNote', type: 'text', hidden: true, min: 0, max: 0, pattern: '', autogeneratePattern: '', required: false, primaryKey: false },
      ...autodates(),
    ],
  }),
  collection({
    id: '_pb_users_auth_',
    name: 'users',
    type: 'auth',
    listRule: 'id = @request.auth.id',
    viewRule: 'id = @request.auth.id',
    createRule: '',
    updateRule: 'id = @request.auth.id',
    deleteRule: 'id = @request.auth.id',
    authRule: '',
    manageRule: null,
    fields: [
      idField(),
      { ...common, id: 'password901924565', name: 'password', type: 'password', system: true, hidden: true, pattern: '', min: 8, max: 0, cost: 0, required: true },
      { ...common, id: 'text2504183744', name: 'tokenKey', type: 'text', system: true, hidden: true, min: 30, max: 60, pattern: '', autogeneratePattern: '[a-zA-Z0-9]{50}', required: true, primaryKey: false },
      { ...common, id: 'email3885137012', name: 'email', type: 'email', system: true, exceptDomains: null, onlyDomains: null, required: true },
      { ...common, id: 'bool1547992806', name: 'emailVisibility', type: 'bool', system: true, required: false },
      { ...common, id: 'bool256245529', name: 'verified', type: 'bool', system: true, required: false },
      { ...common, id: 'text1579384326', name: 'name', type: 'text', min: 0, max: 255, pattern: '', autogeneratePattern: '', required: false, primaryKey: false },
      ...autodates(),
    ],
  }),
  collection({
    id: 'pbc_2000000001',
    name: 'post_stats',
    type: 'view',
    listRule: '',
    viewRule: '',
    viewQuery: 'SELECT owner AS id, COUNT(*) AS total FROM posts GROUP BY owner',
    fields: [
      idField(),
      { ...common, id: 'number3', name: 'total', type: 'number', min: null, max: null, onlyInt: false, required: false },
    ],
  }),
];

async function assertValid(doc: OpenApiDocument): Promise<void> {
  // The validator dereferences in place; give it a copy.
  const result = await validate(structuredClone(doc) as never);
  assert.ok(result.valid, compileErrors(result));
}

function compileSchema(doc: OpenApiDocument, name: string) {
  const ajv = new Ajv2020({ strict: false });
  // Component schemas refer to each other; register them all under the document's own URI.
  ajv.addSchema({ $id: 'galley:openapi', components: doc.components } as never);
  return ajv.compile({ $ref: `galley:openapi#/components/schemas/${name}` });
}

describe('buildOpenApi', () => {
  it('produces a valid OpenAPI 3.1 document for a fixture app', async () => {
    await assertValid(buildOpenApi(fixture, { title: 'Fixture', version: '1', serverUrl: 'http://127.0.0.1:8090' }));
  });

  it('the validator really rejects a broken document (guards the test above)', async () => {
    const doc = buildOpenApi(fixture) as unknown as { paths: Record<string, Record<string, { responses: unknown }>> };
    const get = doc.paths['/api/health']?.get;
    assert.ok(get);
    get.responses = 'not an object';
    const result = await validate(structuredClone(doc) as never);
    assert.equal(result.valid, false);
  });

  it('is valid for an app without collections', async () => {
    await assertValid(buildOpenApi([]));
  });

  it('matches the committed snapshot (GALLEY_UPDATE_SNAPSHOTS=1 rewrites it)', () => {
    const file = new URL('./__snapshots__/openapi.fixture.json', import.meta.url);
    const actual = `${JSON.stringify(buildOpenApi(fixture, { title: 'Fixture', version: '1' }), null, 2)}\n`;
    if (process.env.GALLEY_UPDATE_SNAPSHOTS === '1' || !existsSync(file)) writeFileSync(file, actual);
    assert.equal(actual, readFileSync(file, 'utf8'));
  });

  it('does not depend on the order collections are given in', () => {
    assert.deepEqual(buildOpenApi([...fixture].reverse()), buildOpenApi(fixture));
  });

  it('describes the record routes of every collection, writes only for non-view ones', () => {
    const doc = buildOpenApi(fixture);
    assert.deepEqual(Object.keys(doc.paths['/api/collections/posts/records'] ?? {}), ['get', 'post']);
    assert.deepEqual(Object.keys(doc.paths['/api/collections/posts/records/{id}'] ?? {}), ['get', 'patch', 'delete']);
    assert.deepEqual(Object.keys(doc.paths['/api/collections/post_stats/records'] ?? {}), ['get']);
    assert.deepEqual(Object.keys(doc.paths['/api/collections/post_stats/records/{id}'] ?? {}), ['get']);
    assert.ok(doc.paths['/api/collections/users/auth-with-password']);
    assert.ok(doc.paths['/api/collections/users/auth-refresh']);
    assert.equal(doc.paths['/api/collections/posts/auth-with-password'], undefined);
    assert.ok(doc.paths['/api/health']?.get);
    assert.ok(doc.paths['/api/settings']?.patch);
    assert.ok(doc.paths['/api/collections/{collectionIdOrName}']?.delete);
  });

  it('accepts a PocketBase-shaped record and list and rejects wrong types', () => {
    const doc = buildOpenApi(fixture);
    const record = {
      id: 'ae40239d2bc4477', collectionId: 'pbc_1125843985', collectionName: 'posts',
      title: 'Hello', slug: 'hello', body: '<p>x</p>', views: 3, score: 4.5, published: true, contact: '', link: '',
      publishAt: '', status: 'live', tags: ['a'], cover: '', attachments: [], owner: '', related: [], meta: null,
      place: { lon: 0, lat: 0 }, created: T, updated: T,
    };
    const validateRecord = compileSchema(doc, 'PostsRecord');
    assert.ok(validateRecord(record), JSON.stringify(validateRecord.errors));
    assert.equal(validateRecord({ ...record, views: 'three' }), false);
    assert.equal(validateRecord({ ...record, collectionName: 'other' }), false);
    assert.equal(validateRecord({ ...record, status: 'deleted' }), false);
    assert.equal(validateRecord({ ...record, publishAt: '2024-11-10T18:45:27Z' }), false, 'ISO T datetimes are not PocketBase output');
    const validateList = compileSchema(doc, 'PostsList');
    assert.ok(validateList({ page: 1, perPage: 20, totalItems: -1, totalPages: -1, items: [record] }), JSON.stringify(validateList.errors));
  });

  it('never exposes passwords or token keys of auth records, and email is optional', () => {
    const doc = buildOpenApi(fixture);
    const users = doc.components.schemas.UsersRecord as { properties: Record<string, unknown>; required: string[] };
    assert.equal(users.properties.password, undefined);
    assert.equal(users.properties.tokenKey, undefined);
    assert.ok(users.properties.email);
    assert.ok(!users.required.includes('email'));
    const create = doc.components.schemas.UsersCreate as { properties: Record<string, unknown>; required: string[] };
    assert.deepEqual([...create.required].sort(), ['email', 'password', 'passwordConfirm']);
    assert.equal(create.properties.tokenKey, undefined);
  });

  it('derives request constraints and modifiers from field options', () => {
    const doc = buildOpenApi(fixture);
    const create = doc.components.schemas.PostsCreate as { properties: Record<string, Record<string, unknown>>; required: string[] };
    assert.deepEqual(create.properties.title, { type: 'string', minLength: 3, maxLength: 120 });
    assert.ok(create.required.includes('title'));
    assert.ok(!create.required.includes('slug'), 'autogenerated text is not required');
    assert.ok(create.properties['slug:autogenerate']);
    assert.equal(create.properties.created, undefined, 'autodate is not writable');
    const update = doc.components.schemas.PostsUpdate as { properties: Record<string, unknown> };
    for (const key of ['views+', 'views-', 'tags+', '+tags', 'tags-', 'related+', 'attachments-']) assert.ok(update.properties[key], key);
    assert.equal(update.properties['owner+'], undefined, 'single relations have no list modifiers');
  });

  it('keeps schema names unique when collection names collide once PascalCased', async () => {
    const a = { ...fixture[2]!, id: 'pbc_a', name: 'a_b' };
    const b = { ...fixture[2]!, id: 'pbc_b', name: 'aB' };
    const doc = buildOpenApi([a, b]);
    assert.ok(doc.components.schemas.ABRecord);
    assert.ok(doc.components.schemas.AB2Record);
    await assertValid(doc);
  });
});
