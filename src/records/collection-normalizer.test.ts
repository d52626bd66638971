import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isApiError } from '../core/errors.js';
import type { Collection } from '../core/schema.js';
import { defaultFieldId } from './collection-ids.js';
import { normalizeCollection } from './collection-normalizer.js';
import { publicCollection } from './public-collection.js';
import { scaffoldCollections } from './scaffolds.js';

const now = '2024-01-01 00:00:00.000Z';

function errorData(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (err) {
    assert.ok(isApiError(err), String(err));
    assert.equal(err.status, 400);
    return err.data as Record<string, unknown>;
  }
  assert.fail('expected a validation error');
}

test('base collection gets PocketBase ids, system id field and created/updated', () => {
  const c = normalizeCollection({ name: 'posts', fields: [{ name: 'title', type: 'text' }] }, { others: [], now });
  assert.equal(c.id, 'pbc_1125843985');
  assert.equal(c.type, 'base');
  assert.deepEqual(c.fields.map((f) => `${f.id}:${f.name}`), ['text3208210256:id', 'text724990059:title', 'autodate2990389176:created', 'autodate3332085495:updated']);
  const id = c.fields[0];
  assert.ok(id?.type === 'text' && id.primaryKey && id.system && id.min === 15 && id.autogeneratePattern === '[a-z0-9]{15}');
  const title = c.fields[1];
  assert.deepEqual(title, { id: 'text724990059', name: 'title', system: false, hidden: false, presentable: false, help: '', type: 'text', min: 0, max: 0, pattern: '', autogeneratePattern: '', required: false, primaryKey: false });
  assert.equal(c.listRule, null);
});

test('auth collection gets system fields, unique indexes, options and 50-char secrets', () => {
  const c = normalizeCollection({ name: 'members', type: 'auth' }, { others: [], now });
  assert.deepEqual(c.fields.map((f) => f.name), ['id', 'password', 'tokenKey', 'email', 'emailVisibility', 'verified', 'created', 'updated']);
  assert.ok(c.fields.find((f) => f.name === 'password')?.hidden);
  assert.ok(c.fields.find((f) => f.name === 'tokenKey')?.hidden);
  assert.deepEqual(c.indexes, [
    `CREATE UNIQUE INDEX \`idx_tokenKey_${c.id}\` ON \`members\` (\`tokenKey\`)`,
    `CREATE UNIQUE INDEX \`idx_email_${c.id}\` ON \`members\` (\`email\`) WHERE \`email\` != ''`,
  ]);
  assert.equal(c.authRule, '');
  assert.equal(c.manageRule, null);
  assert.deepEqual(c.passwordAuth, { enabled: true, identityFields: ['email'] });
  for (const t of ['authToken', 'passwordResetToken', 'emailChangeToken', 'verificationToken', 'fileToken'] as const) {
    assert.match(c[t]?.secret ?? '', /^[A-Za-z0-9]{50}$/);
  }
  assert.equal(c.authToken?.duration, 604800);

  const updated = normalizeCollection({ authToken: { duration: 100 } }, { existing: c, others: [], now });
  assert.equal(updated.authToken?.secret, c.authToken?.secret, 'secret kept across updates');
  assert.equal(updated.authToken?.duration, 100);
  const rotated = normalizeCollection({ authToken: { secret: 'x'.repeat(40) } }, { existing: c, others: [], now });
  assert.equal(rotated.authToken?.secret, 'x'.repeat(40));

  const pub = publicCollection(c);
  assert.ok(!JSON.stringify(pub).includes(c.authToken?.secret ?? '??'));
  assert.equal(pub.authToken?.secret, undefined);
  assert.equal(pub.authToken?.duration, 604800);
});

test('errors come back nested at their paths', () => {
  const data = errorData(() => normalizeCollection({
    name: '_bad',
    fields: [{ name: 'a', type: 'nope' }, { name: 'expand', type: 'text' }, { name: 'x', type: 'select' }],
    indexes: ['CREATE INDEX oops'],
    listRule: '(',
  }, { others: [], now }));
  assert.equal((data.name as { code: string }).code, 'validation_invalid_name');
  assert.equal(((data.fields as Record<string, Record<string, { code: string }>>)['0']?.type)?.code, 'validation_unknown_field_type');
  assert.equal(((data.indexes as Record<string, { code: string }>)['0'])?.code, 'validation_invalid_index');
  assert.equal((data.listRule as { code: string }).code, 'validation_invalid_rule');
});

test('field names: reserved, duplicated (case-insensitive), _via_', () => {
  for (const [name, code] of [['expand', 'validation_reserved_field_name'], ['__proto__', 'validation_reserved_field_name'], ['a_via_b', 'validation_found_via'], ['bad-name', 'validation_invalid_name']] as const) {
    const data = errorData(() => normalizeCollection({ name: 'p', fields: [{ name, type: 'text' }] }, { others: [], now }));
    const fields = data.fields as Record<string, Record<string, { code: string }>>;
    assert.equal(fields['1']?.name?.code ?? fields['0']?.name?.code, code, name);
  }
  const dup = errorData(() => normalizeCollection({ name: 'p', fields: [{ name: 'Title', type: 'text' }, { name: 'title', type: 'number' }] }, { others: [], now }));
  assert.ok(JSON.stringify(dup).includes('validation_field_name_duplicate'));
});

test('collection names: unique case-insensitively, no leading underscore for users', () => {
  const posts = normalizeCollection({ name: 'posts' }, { others: [], now });
  const data = errorData(() => normalizeCollection({ name: 'POSTS' }, { others: [posts], now }));
  assert.equal((data.name as { code: string }).code, 'validation_collection_name_exists');
  const sys = normalizeCollection({ name: '_internal', system: true }, { others: [], now, allowSystem: true });
  assert.equal(sys.system, true);
  assert.equal(normalizeCollection({ name: 'x', system: true }, { others: [], now }).system, false);
});

test('changing a field type is refused; renames keep the id', () => {
  const c = normalizeCollection({ name: 'p', fields: [{ name: 'title', type: 'text' }] }, { others: [], now });
  const title = c.fields.find((f) => f.name === 'title') as Collection['fields'][number];
  const data = errorData(() => normalizeCollection({ fields: [...c.fields.filter((f) => f !== title), { id: title.id, name: 'title', type: 'number' }] }, { existing: c, others: [], now }));
  assert.ok(JSON.stringify(data).includes('validation_field_type_change'));
  const renamed = normalizeCollection({ fields: c.fields.map((f) => (f === title ? { ...f, name: 'headline' } : f)) }, { existing: c, others: [], now });
  assert.equal(renamed.fields.find((f) => f.name === 'headline')?.id, title.id);
});

test('every field type parses with its defaults', () => {
  const users = normalizeCollection({ name: 'users', type: 'auth' }, { others: [], now });
  const types = ['text', 'number', 'bool', 'email', 'url', 'editor', 'date', 'autodate', 'file', 'json', 'password', 'geoPoint'];
  const c = normalizeCollection({
    name: 'everything',
    fields: [
      ...types.map((type) => ({ name: `f_${type}`, type })),
      { name: 'f_select', type: 'select', values: ['a', 'b'] },
      { name: 'f_relation', type: 'relation', collectionId: users.id },
    ],
  }, { others: [users], now });
  const rel = c.fields.find((f) => f.type === 'relation');
  assert.deepEqual(rel, { id: defaultFieldId('relation', 'f_relation'), name: 'f_relation', system: false, hidden: false, presentable: false, help: '', type: 'relation', collectionId: users.id, cascadeDelete: false, minSelect: 0, maxSelect: 0, required: false });
  const num = c.fields.find((f) => f.type === 'number');
  assert.deepEqual(num && { min: (num as { min: unknown }).min, max: (num as { max: unknown }).max }, { min: null, max: null });
  const missingTarget = errorData(() => normalizeCollection({ name: 'r', fields: [{ name: 'x', type: 'relation', collectionId: 'nope' }] }, { others: [], now }));
  assert.ok(JSON.stringify(missingTarget).includes('validation_invalid_relation_collection'));
});

test('errors point at the client\'s field positions even when system fields are inserted', () => {
  const data = errorData(() => normalizeCollection({ name: 'm', type: 'auth', fields: [{ name: 'ok', type: 'text' }, { name: 'passwordConfirm', type: 'text' }] }, { others: [], now }));
  assert.equal((data.fields as Record<string, Record<string, { code: string }>>)['1']?.name?.code, 'validation_reserved_field_name');
});

test('publicCollection keeps only the keys of the type; scaffolds carry no secrets', () => {
  const base = normalizeCollection({ name: 'b' }, { others: [], now });
  assert.deepEqual(Object.keys(publicCollection(base)), ['id', 'name', 'type', 'system', 'fields', 'indexes', 'listRule', 'viewRule', 'createRule', 'updateRule', 'deleteRule', 'created', 'updated']);
  const auth = normalizeCollection({ name: 'a', type: 'auth', oauth2: { enabled: true, providers: [{ name: 'github', clientId: 'id', clientSecret: 'shh' }] } }, { others: [], now });
  assert.equal(auth.oauth2?.providers[0]?.clientSecret, 'shh');
  const kept = normalizeCollection({ oauth2: { providers: [{ name: 'github', clientId: 'id2' }] } }, { existing: auth, others: [], now });
  assert.equal(kept.oauth2?.providers[0]?.clientSecret, 'shh', 'client secret kept when resent without it');
  assert.ok(!JSON.stringify(publicCollection(auth)).includes('shh'));
  const s = scaffoldCollections();
  assert.deepEqual(s.auth.fields.map((f) => f.name), ['id', 'password', 'tokenKey', 'email', 'emailVisibility', 'verified', 'created', 'updated']);
  assert.equal(s.auth.indexes.length, 2);
  assert.equal(s.view.viewQuery, '');
  assert.deepEqual(s.view.fields, []);
});

test('rules are parsed and resolved against the final fields', () => {
  const users = normalizeCollection({ name: 'users', type: 'auth', fields: [{ name: 'name', type: 'text' }] }, { others: [], now });
  const ok = normalizeCollection({
    name: 'posts',
    fields: [{ name: 'title', type: 'text' }, { name: 'author', type: 'relation', collectionId: users.id, maxSelect: 1 }],
    listRule: "title != '' && author.name = @request.auth.name",
    createRule: '@request.auth.id != ""',
  }, { others: [users], now });
  assert.equal(ok.listRule, "title != '' && author.name = @request.auth.name");
  const data = errorData(() => normalizeCollection({ name: 'p2', fields: [{ name: 'title', type: 'text' }], viewRule: 'nope = 1' }, { others: [users], now }));
  assert.equal((data.viewRule as { code: string }).code, 'validation_invalid_rule');
});
