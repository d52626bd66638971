import assert from 'node:assert/strict';
import { verifyPassword } from '../auth/password.js';
import { isApiError } from '../core/errors.js';
import type { Database } from '../db/database.js';
import { GUEST } from '../rules/index.js';
import type { AuthRecord } from '../rules/index.js';
import { eachDatabase } from '../testing/databases.js';
import { CollectionService } from './collection-service.js';
import { prevalidatedPassword } from './record-auth-fields.js';
import { RecordService } from './record-service.js';
import type { RecordContext } from './record-service.js';

const SU: RecordContext = { auth: null, isSuperuser: true, request: GUEST };
const GUEST_CTX: RecordContext = { auth: null, isSuperuser: false, request: GUEST };
function as(auth: AuthRecord): RecordContext {
  return { auth, isSuperuser: false, request: { ...GUEST, auth } };
}

async function setup(db: Database): Promise<{ cs: CollectionService; rs: RecordService }> {
  const cs = new CollectionService(db);
  await cs.ensureSystemCollections();
  return { cs, rs: new RecordService({ db, collections: cs }) };
}

async function fails(p: Promise<unknown>, status: number, field?: string, code?: string): Promise<Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    assert.ok(isApiError(err), String(err instanceof Error ? err.stack : err));
    assert.equal(err.status, status, JSON.stringify(err.toJSON()));
    if (field !== undefined) {
      const e = err.data[field] as { code?: string } | undefined;
      assert.ok(e, `no error on ${field}: ${JSON.stringify(err.data)}`);
      if (code !== undefined) assert.equal(e.code, code, JSON.stringify(err.data));
    }
    return err.data as Record<string, unknown>;
  }
  assert.fail('expected an error');
}

eachDatabase('records: CRUD, zero values, versions and ifMatch', async (db) => {
  const { cs, rs } = await setup(db);
  await cs.create({
    name: 'items', listRule: '', viewRule: '', createRule: '', updateRule: '', deleteRule: '',
    fields: [
      { type: 'text', name: 'title' }, { type: 'number', name: 'n' }, { type: 'bool', name: 'b' },
      { type: 'json', name: 'j' }, { type: 'select', name: 'tags', values: ['a', 'b', 'c'], maxSelect: 3 },
      { type: 'select', name: 'one', values: ['x', 'y'], maxSelect: 1 }, { type: 'date', name: 'd' },
      { type: 'geoPoint', name: 'g' }, { type: 'autodate', name: 'created', onCreate: true },
      { type: 'autodate', name: 'updated', onCreate: true, onUpdate: true },
    ],
  });
  const empty = await rs.create('items', { unknown: 1, created: 'nope' }, {}, GUEST_CTX);
  assert.equal(empty.version, 1);
  const r = empty.record;
  assert.match(String(r.id), /^[a-z0-9]{15}$/);
  assert.equal(r.collectionName, 'items');
  assert.deepEqual([r.title, r.n, r.b, r.j, r.tags, r.one, r.d, r.g], ['', 0, false, null, [], '', '', { lon: 0, lat: 0 }]);
  assert.match(String(r.created), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.equal('unknown' in r, false);

  const full = await rs.create('items', {
    id: 'abc123abc123abc', title: 'hello', n: '12.5', b: 'true', j: '{"k":[1,2]}', tags: ['a', 'b', 'a'], one: 'y',
    d: '2024-01-02', g: { lon: 10, lat: 20 },
  }, {}, GUEST_CTX);
  assert.deepEqual({ ...full.record, created: 0, updated: 0 }, {
    collectionId: cs.find('items')?.id, collectionName: 'items', id: 'abc123abc123abc', title: 'hello', n: 12.5, b: true,
    j: { k: [1, 2] }, tags: ['a', 'b'], one: 'y', d: '2024-01-02 00:00:00.000Z', g: { lon: 10, lat: 20 }, created: 0, updated: 0,
  });
  const viewed = await rs.view('items', 'abc123abc123abc', {}, GUEST_CTX);
  assert.deepEqual(viewed.record, full.record);
  assert.equal(viewed.version, 1);

  const up = await rs.update('items', 'abc123abc123abc', { 'n+': 2.5, 'tags-': 'a', '+tags': 'c', 'tags+': ['a', 'b'] }, { ifMatch: 1 }, GUEST_CTX);
  assert.equal(up.version, 2);
  assert.equal(up.record.n, 15);
  // order: plain value, then +f (prepend), f+ (append, skipping present items), f- (remove)
  assert.deepEqual(up.record.tags, ['c', 'b']);
  assert.equal(up.record.created, full.record.created);
  await fails(rs.update('items', 'abc123abc123abc', { n: 1 }, { ifMatch: 1 }, GUEST_CTX), 412);
  await fails(rs.delete('items', 'abc123abc123abc', { ifMatch: 1 }, GUEST_CTX), 412);
  assert.equal((await rs.view('items', 'abc123abc123abc', {}, GUEST_CTX)).record.n, 15, 'stale write left nothing');

  const list = await rs.list('items', { page: 0, perPage: 5000, sort: '-n' }, GUEST_CTX);
  assert.equal(list.page, 1);
  assert.equal(list.perPage, 1000);
  assert.equal(list.totalItems, 2);
  assert.equal(list.totalPages, 1);
  assert.deepEqual(list.items.map((i) => i.n), [15, 0]);
  const paged = await rs.list('items', { page: 2, perPage: 1, skipTotal: true }, GUEST_CTX);
  assert.deepEqual([paged.totalItems, paged.totalPages, paged.items.length, paged.items[0]?.id], [-1, -1, 1, 'abc123abc123abc']);
  assert.equal((await rs.list('items', { filter: 'tags:each ?= "c" && n > 10' }, GUEST_CTX)).totalItems, 1);
  await fails(rs.list('items', { filter: 'nope = 1' }, GUEST_CTX), 400);
  await fails(rs.list('items', { filter: '(' }, GUEST_CTX), 400);
  await fails(rs.list('items', { sort: 'nope' }, GUEST_CTX), 400);
  await fails(rs.list('items', { filter: '@request.auth.id = ""' }, GUEST_CTX), 403);
  assert.equal((await rs.list('items', { filter: '@request.auth.id = ""' }, SU)).totalItems, 2);

  await rs.delete('items', 'abc123abc123abc', { ifMatch: 2 }, GUEST_CTX);
  await fails(rs.view('items', 'abc123abc123abc', {}, GUEST_CTX), 404);
  await fails(rs.list('missing', {}, GUEST_CTX), 404);
  await fails(rs.create('items', { id: 'BAD ID bad id x' }, {}, GUEST_CTX), 400, 'id', 'validation_invalid_format');
});

eachDatabase('records: validation per field type, all errors at once, unique, nothing left behind', async (db) => {
  const { cs, rs } = await setup(db);
  await cs.create({ name: 'targets', createRule: '', fields: [{ type: 'text', name: 'name' }] });
  const targets = cs.find('targets');
  await cs.create({
    name: 'v', createRule: '', updateRule: '',
    fields: [
      { type: 'text', name: 't', min: 2, max: 4, pattern: '^[a-z]+$' },
      { type: 'text', name: 'req', required: true },
      { type: 'text', name: 'code', autogeneratePattern: 'c-[0-9]{4}' },
      { type: 'number', name: 'n', min: 1, max: 10, onlyInt: true },
      { type: 'email', name: 'e', onlyDomains: ['ok.com'] },
      { type: 'url', name: 'u', exceptDomains: ['bad.com'] },
      { type: 'date', name: 'd', min: '2020-01-01 00:00:00.000Z' },
      { type: 'select', name: 's', values: ['a', 'b'], maxSelect: 1 },
      { type: 'relation', name: 'rel', collectionId: targets?.id, maxSelect: 2, minSelect: 0 },
      { type: 'json', name: 'j', maxSize: 10 },
      { type: 'geoPoint', name: 'g' },
      { type: 'text', name: 'slug' },
    ],
    indexes: ['CREATE UNIQUE INDEX idx_v_slug ON v (slug) WHERE slug != \'\''],
  });
  const data = await fails(rs.create('v', {
    t: 'A', n: 1.5, e: 'x@no.com', u: 'https://bad.com/x', d: '2019-05-05', s: 'z', rel: ['nope'], j: 'a long json string', g: { lon: 200, lat: 0 },
  }, {}, GUEST_CTX), 400);
  assert.deepEqual(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, (v as { code: string }).code])), {
    t: 'validation_min_text_constraint', req: 'validation_required', n: 'validation_only_int_constraint',
    e: 'validation_email_domain_not_allowed', u: 'validation_url_domain_not_allowed', d: 'validation_min_date_constraint',
    s: 'validation_invalid_select_value', rel: 'validation_missing_rel_records', j: 'validation_json_size_limit', g: 'validation_invalid_value',
  });
  await fails(rs.create('v', { req: 'x', t: 'abcde' }, {}, GUEST_CTX), 400, 't', 'validation_max_text_constraint');
  await fails(rs.create('v', { req: 'x', t: 'ab1' }, {}, GUEST_CTX), 400, 't', 'validation_invalid_format');
  await fails(rs.create('v', { req: 'x', n: 11 }, {}, GUEST_CTX), 400, 'n', 'validation_max_number_constraint');
  await fails(rs.create('v', { req: 'x', n: 'abc' }, {}, GUEST_CTX), 400, 'n', 'validation_invalid_value');
  await fails(rs.create('v', { req: 'x', e: 'not-an-email' }, {}, GUEST_CTX), 400, 'e', 'validation_is_email');
  await fails(rs.create('v', { req: 'x', u: 'nope' }, {}, GUEST_CTX), 400, 'u', 'validation_is_url');
  await fails(rs.create('v', { req: 'x', d: 'yesterday' }, {}, GUEST_CTX), 400, 'd', 'validation_invalid_date');
  const t = await rs.create('targets', { name: 'x' }, {}, GUEST_CTX);
  const ok = await rs.create('v', { req: 'x', rel: [t.record.id], slug: 's1', 'code:autogenerate': 'p-' }, {}, GUEST_CTX);
  assert.match(String(ok.record.code), /^p-c-[0-9]{4}$/);
  const auto = await rs.create('v', { req: 'x' }, {}, GUEST_CTX);
  assert.match(String(auto.record.code), /^c-[0-9]{4}$/);
  await fails(rs.create('v', { req: 'y', slug: 's1' }, {}, GUEST_CTX), 400, 'slug', 'validation_not_unique');
  await fails(rs.update('v', String(auto.record.id), { slug: 's1' }, {}, GUEST_CTX), 400, 'slug', 'validation_not_unique');
  await fails(rs.create('v', { id: ok.record.id, req: 'y' }, {}, GUEST_CTX), 400, 'id', 'validation_not_unique');
  const count = await db.get<{ n: unknown }>('SELECT COUNT(*) AS "n" FROM "v"');
  assert.equal(Number(count?.n), 2);
  // a failed write inside an outer transaction leaves the transaction usable
  await db.transaction(async () => {
    await fails(rs.create('v', { req: 'z', slug: 's1' }, {}, GUEST_CTX), 400);
    await rs.create('v', { req: 'z', slug: 's2' }, {}, GUEST_CTX);
  });
  assert.equal(Number((await db.get<{ n: unknown }>('SELECT COUNT(*) AS "n" FROM "v"'))?.n), 3);
  // a hook that catches the failed write of its record and writes in the same transaction
  const tagged = rs.hooks.onRecordCreate.on('v');
  const hook = tagged.bindFunc(async (e) => {
    try {
      await e.next();
    } catch (err) {
      if (!isApiError(err)) throw err;
      await e.tx.run('UPDATE "v" SET "req" = ? WHERE "slug" = ?', ['caught', 's1']);
    }
  });
  try {
    await rs.create('v', { req: 'w', slug: 's1' }, {}, GUEST_CTX);
    assert.equal((await db.get<{ req: string }>('SELECT "req" FROM "v" WHERE "slug" = ?', ['s1']))?.req, 'caught');
  } finally {
    tagged.unbind(hook);
  }
});

eachDatabase('records: rule outcomes (list filtered, view 404, create 400, null 403, superuser bypass)', async (db) => {
  const { cs, rs } = await setup(db);
  await cs.create({
    name: 'notes',
    fields: [{ type: 'text', name: 'owner' }, { type: 'text', name: 'body' }, { type: 'text', name: 'secret', hidden: true }],
    listRule: 'owner = @request.auth.id', viewRule: 'owner = @request.auth.id',
    createRule: '@request.auth.id != "" && @request.body.owner = @request.auth.id',
    updateRule: 'owner = @request.auth.id', deleteRule: null,
  });
  const users = cs.find('users');
  assert.ok(users);
  const alice: AuthRecord = { id: 'alice', collectionId: users.id, collectionName: 'users' };
  const bob: AuthRecord = { id: 'bob', collectionId: users.id, collectionName: 'users' };
  const a = await rs.create('notes', { owner: 'alice', body: 'hi', secret: 's' }, {}, as(alice));
  assert.equal('secret' in a.record, false, 'hidden field omitted');
  await fails(rs.create('notes', { owner: 'alice' }, {}, as(bob)), 400);
  await fails(rs.create('notes', { owner: 'x' }, {}, GUEST_CTX), 400);
  const su = await rs.create('notes', { owner: 'bob', secret: 's2' }, {}, SU);
  assert.equal(su.record.secret, 's2');
  assert.equal((await rs.list('notes', {}, as(alice))).totalItems, 1);
  assert.equal((await rs.list('notes', {}, as(bob))).totalItems, 1);
  assert.equal((await rs.list('notes', {}, GUEST_CTX)).totalItems, 0);
  assert.equal((await rs.list('notes', {}, SU)).totalItems, 2);
  await fails(rs.list('notes', { filter: 'secret = "s"' }, as(alice)), 400);
  await fails(rs.view('notes', String(a.record.id), {}, as(bob)), 404);
  await fails(rs.update('notes', String(a.record.id), { body: 'x' }, {}, as(bob)), 404);
  assert.equal((await rs.update('notes', String(a.record.id), { body: 'x' }, {}, as(alice))).record.body, 'x');
  await fails(rs.delete('notes', String(a.record.id), {}, as(alice)), 403);
  await rs.delete('notes', String(a.record.id), {}, SU);
  const n = await db.get<{ n: unknown }>('SELECT COUNT(*) AS "n" FROM "notes"');
  assert.equal(Number(n?.n), 1, 'rejected create left nothing behind');
});

eachDatabase('records: expand (nested, multiple, _via_, unreadable dropped) and cascade delete', async (db) => {
  const { cs, rs } = await setup(db);
  await cs.create({ name: 'teams', viewRule: '', fields: [{ type: 'text', name: 'name' }] });
  await cs.create({ name: 'locked', viewRule: null, fields: [{ type: 'text', name: 'name' }] });
  const teams = cs.find('teams');
  const locked = cs.find('locked');
  await cs.create({ name: 'authors', viewRule: '', fields: [
    { type: 'text', name: 'name' }, { type: 'relation', name: 'team', collectionId: teams?.id, maxSelect: 1 },
    { type: 'relation', name: 'lock', collectionId: locked?.id, maxSelect: 1 },
  ] });
  const authors = cs.find('authors');
  await cs.create({ name: 'posts', listRule: '', viewRule: '', deleteRule: '', fields: [
    { type: 'text', name: 'title' },
    { type: 'relation', name: 'author', collectionId: authors?.id, maxSelect: 1, cascadeDelete: true },
    { type: 'relation', name: 'editors', collectionId: authors?.id, maxSelect: 5 },
  ] });
  const team = await rs.create('teams', { name: 'T' }, {}, SU);
  const lock = await rs.create('locked', { name: 'L' }, {}, SU);
  const au = await rs.create('authors', { name: 'A', team: team.record.id, lock: lock.record.id }, {}, SU);
  const au2 = await rs.create('authors', { name: 'B' }, {}, SU);
  const p1 = await rs.create('posts', { title: 'p1', author: au.record.id, editors: [au2.record.id, au.record.id] }, {}, SU);
  await rs.create('posts', { title: 'p2', author: au.record.id }, {}, SU);

  const v = await rs.view('posts', String(p1.record.id), { expand: 'author.team,author.lock,editors,nope' }, GUEST_CTX);
  const ex = v.record.expand as Record<string, Record<string, unknown>>;
  assert.equal(ex.author?.name, 'A');
  assert.equal((ex.author?.expand as Record<string, Record<string, unknown>>).team?.name, 'T');
  assert.equal('lock' in (ex.author?.expand as object), false, 'unreadable relation dropped');
  assert.deepEqual((ex.editors as unknown as Array<{ name: string }>).map((e) => e.name), ['B', 'A']);
  const su = await rs.view('posts', String(p1.record.id), { expand: 'author.lock' }, SU);
  assert.equal(((su.record.expand as Record<string, Record<string, unknown>>).author?.expand as Record<string, Record<string, unknown>>).lock?.name, 'L');
  const plain = await rs.view('posts', String(p1.record.id), {}, GUEST_CTX);
  assert.equal('expand' in plain.record, false);

  const withVia = await rs.view('authors', String(au.record.id), { expand: 'posts_via_author,posts_via_editors' }, GUEST_CTX);
  const vex = withVia.record.expand as Record<string, Array<{ title: string }>>;
  assert.deepEqual(vex.posts_via_author?.map((p) => p.title), ['p1', 'p2']);
  assert.deepEqual(vex.posts_via_editors?.map((p) => p.title), ['p1']);
  const list = await rs.list('posts', { expand: 'author', sort: 'author.name,title' }, GUEST_CTX);
  assert.deepEqual(list.items.map((i) => (i.expand as Record<string, { name: string } | undefined>).author?.name), ['A', 'A']);

  // cascade: deleting the author deletes its posts; the other author's reference in editors is cleared
  await rs.delete('authors', String(au2.record.id), {}, SU);
  assert.deepEqual((await rs.view('posts', String(p1.record.id), {}, SU)).record.editors, [au.record.id]);
  await rs.delete('authors', String(au.record.id), {}, SU);
  assert.equal((await rs.list('posts', {}, SU)).totalItems, 0);
});

eachDatabase('records: auth collections (passwords, tokenKey, email visibility, manager-only fields)', async (db) => {
  const { cs, rs } = await setup(db);
  const users = cs.find('users');
  assert.ok(users);
  await fails(rs.create('users', { email: 'a@x.com', password: '12345678', passwordConfirm: 'nope' }, {}, GUEST_CTX), 400, 'passwordConfirm', 'validation_values_mismatch');
  await fails(rs.create('users', { email: 'a@x.com', password: 'short', passwordConfirm: 'short' }, {}, GUEST_CTX), 400, 'password', 'validation_min_text_constraint');
  await fails(rs.create('users', { email: 'a@x.com' }, {}, GUEST_CTX), 400, 'password', 'validation_required');
  const created = await rs.create('users', { email: 'a@x.com', password: '12345678', passwordConfirm: '12345678', verified: true, tokenKey: 'mine', name: 'A' }, {}, GUEST_CTX);
  const id = String(created.record.id);
  assert.equal('password' in created.record, false);
  assert.equal('tokenKey' in created.record, false);
  assert.equal('email' in created.record, false, 'guest without emailVisibility does not see the email');
  assert.equal(created.record.verified, false, 'guests cannot verify themselves');
  const row = await db.get<{ password: string; tokenKey: string }>('SELECT "password", "tokenKey" FROM "users" WHERE "id" = ?', [id]);
  assert.match(String(row?.password), /^\$argon2id\$/);
  assert.equal(String(row?.tokenKey).length, 50);
  await fails(rs.create('users', { email: 'A@x.com'.toLowerCase(), password: '12345678', passwordConfirm: '12345678' }, {}, GUEST_CTX), 400, 'email', 'validation_not_unique');

  const me: AuthRecord = { id, collectionId: users.id, collectionName: 'users' };
  const own = await rs.view('users', id, {}, as(me));
  assert.equal(own.record.email, 'a@x.com');
  assert.equal((await rs.view('users', id, {}, SU)).record.email, 'a@x.com');
  await fails(rs.update('users', id, { password: 'abcdefgh', passwordConfirm: 'abcdefgh' }, {}, as(me)), 400, 'oldPassword', 'validation_invalid_old_password');
  await fails(rs.update('users', id, { email: 'b@x.com' }, {}, as(me)), 400, 'email');
  const changed = await rs.update('users', id, { password: 'abcdefgh', passwordConfirm: 'abcdefgh', oldPassword: '12345678', verified: true }, {}, as(me));
  assert.equal(changed.record.verified, false);
  const row2 = await db.get<{ tokenKey: string; password: string }>('SELECT "tokenKey", "password" FROM "users" WHERE "id" = ?', [id]);
  assert.notEqual(row2?.tokenKey, row?.tokenKey, 'password change regenerates tokenKey');
  // Only a body that is valid on its own gets its password hashed before the update's transaction.
  assert.equal(prevalidatedPassword(users, { password: 'abcdefgh', passwordConfirm: 'abcdefgh' }), 'abcdefgh');
  assert.equal(prevalidatedPassword(users, { password: 'abcdefgh', passwordConfirm: 'abcdefgX' }), undefined);
  assert.equal(prevalidatedPassword(users, { password: 'short', passwordConfirm: 'short' }), undefined);
  assert.equal(prevalidatedPassword(users, { password: 12345678, passwordConfirm: 12345678 }), undefined);
  assert.equal(prevalidatedPassword(users, { name: 'x' }), undefined);
  // The update hashes the new password before its transaction: the stored hash must be of it.
  assert.equal(await verifyPassword(String(row2?.password), 'abcdefgh'), true);
  assert.equal(await verifyPassword(String(row2?.password), '12345678'), false);
  const bySu = await rs.update('users', id, { email: 'b@x.com', verified: true, emailVisibility: true }, {}, SU);
  assert.equal(bySu.record.verified, true);
  assert.equal((await rs.view('users', id, {}, as(me))).record.email, 'b@x.com');
  const shaped = await rs.shape(users, { ...bySu.record, password: 'h', tokenKey: 'k' }, GUEST_CTX);
  assert.equal('password' in shaped || 'tokenKey' in shaped, false);
  assert.equal(shaped.email, 'b@x.com', 'emailVisibility shows the email');
  await fails(rs.list('_superusers', {}, as(me)), 403);
});

eachDatabase('records: view collections are read-only; onChange fires after commit only', async (db) => {
  const { cs, rs } = await setup(db);
  await cs.create({ name: 'things', listRule: '', createRule: '', fields: [{ type: 'text', name: 'name' }] });
  await cs.create({ name: 'thing_names', type: 'view', listRule: '', viewQuery: 'SELECT id, name FROM things' });
  const events: string[] = [];
  rs.onChange((e) => events.push(`${e.action}:${e.collection.name}:${String(e.record.name)}`));
  await rs.create('things', { name: 'a' }, {}, GUEST_CTX);
  await assert.rejects(db.transaction(async () => {
    await rs.create('things', { name: 'rolled back' }, {}, GUEST_CTX);
    throw new Error('abort');
  }));
  assert.deepEqual(events, ['create:things:a']);
  const l = await rs.list('thing_names', {}, GUEST_CTX);
  assert.deepEqual(l.items.map((i) => i.name), ['a']);
  await fails(rs.create('thing_names', { name: 'x' }, {}, SU), 400);
});

eachDatabase('records: required references block deletes; upsert; _version added to older tables', async (db) => {
  const { cs, rs } = await setup(db);
  await cs.create({ name: 'owners', deleteRule: '', fields: [{ type: 'text', name: 'name' }] });
  const owners = cs.find('owners');
  await cs.create({ name: 'pets', listRule: '', createRule: '', updateRule: '', fields: [
    { type: 'text', name: 'name' }, { type: 'relation', name: 'owner', collectionId: owners?.id, maxSelect: 1, required: true },
  ] });
  const o = await rs.create('owners', { name: 'o' }, {}, SU);
  const p = await rs.create('pets', { name: 'rex', owner: o.record.id }, {}, GUEST_CTX);
  await fails(rs.delete('owners', String(o.record.id), {}, GUEST_CTX), 400);
  assert.equal((await rs.view('pets', String(p.record.id), {}, SU)).record.owner, o.record.id, 'blocked delete left everything');

  const up = await rs.upsert('pets', { id: p.record.id, name: 'max' }, {}, GUEST_CTX);
  assert.deepEqual([up.record.name, up.version], ['max', 2]);
  const fresh = await rs.upsert('pets', { id: 'newpet000000000', name: 'new', owner: o.record.id }, {}, GUEST_CTX);
  assert.deepEqual([fresh.record.id, fresh.version], ['newpet000000000', 1]);

  // a table from before versions: the column comes back on first use, starting at 1
  await db.run('ALTER TABLE "pets" DROP COLUMN "_version"');
  const rs2 = new RecordService({ db, collections: cs });
  const again = await rs2.update('pets', String(p.record.id), { name: 'rex' }, {}, GUEST_CTX);
  assert.equal(again.version, 2);
});

// Pins the read-side caches (stored rule per collection object and schema version, one-row SQL
// text per rule fragment): an edited rule applies to the very next read, and a rule that renders
// new SQL per request (it reads a header) still decides per request.
eachDatabase('records: view and list follow a rule edited between two reads; per-request rule text', async (db) => {
  const { cs, rs } = await setup(db);
  await cs.create({
    name: 'memos',
    fields: [{ type: 'text', name: 'owner' }, { type: 'bool', name: 'shared' }],
    listRule: 'shared = true', viewRule: 'shared = true',
  });
  const users = cs.find('users');
  assert.ok(users);
  const alice: AuthRecord = { id: 'alice', collectionId: users.id, collectionName: 'users' };
  const open = await rs.create('memos', { owner: 'alice', shared: true }, {}, SU);
  const mine = await rs.create('memos', { owner: 'alice', shared: false }, {}, SU);
  const openId = String(open.record.id);
  const mineId = String(mine.record.id);
  assert.equal((await rs.view('memos', openId, {}, GUEST_CTX)).record.id, openId);
  await fails(rs.view('memos', mineId, {}, as(alice)), 404);

  await cs.update('memos', { viewRule: 'owner = @request.auth.id', listRule: 'owner = @request.auth.id' });
  await fails(rs.view('memos', openId, {}, GUEST_CTX), 404);
  assert.equal((await rs.view('memos', mineId, {}, as(alice))).record.id, mineId);
  assert.equal((await rs.list('memos', {}, as(alice))).totalItems, 2);
  assert.equal((await rs.list('memos', {}, GUEST_CTX)).totalItems, 0);

  await cs.update('memos', { viewRule: '@request.headers.x_key = owner' });
  const withKey = (key: string): RecordContext => ({ auth: null, isSuperuser: false, request: { ...GUEST, headers: { 'x-key': key } } });
  for (let i = 0; i < 3; i++) {
    assert.equal((await rs.view('memos', openId, {}, withKey('alice'))).record.id, openId);
    await fails(rs.view('memos', openId, {}, withKey(`bob${i}`)), 404);
  }
  await cs.update('memos', { viewRule: null });
  await fails(rs.view('memos', openId, {}, as(alice)), 403);
  assert.equal((await rs.view('memos', openId, {}, SU)).record.id, openId);
});

eachDatabase('records: a relation to the requester is taken from its authentication, any other id is read', async (db) => {
  const { cs, rs } = await setup(db);
  const users = cs.find('users');
  assert.ok(users);
  await cs.create({ name: 'posts', fields: [{ type: 'relation', name: 'owners', collectionId: users.id, maxSelect: 5 }], createRule: '' });
  const alice = await rs.create('users', { email: 'alice@x.com', password: '12345678', passwordConfirm: '12345678' }, {}, SU);
  const bob = await rs.create('users', { email: 'bob@x.com', password: '12345678', passwordConfirm: '12345678' }, {}, SU);
  const me: AuthRecord = { id: String(alice.record.id), collectionId: users.id, collectionName: 'users' };
  const reads: string[] = [];
  const counting = new Proxy(db, {
    get(target, key, receiver) {
      const v = Reflect.get(target, key, receiver) as unknown;
      if (key === 'all' && typeof v === 'function') return (sql: string, params?: unknown[]) => (reads.push(sql), (v as Function).call(target, sql, params));
      return typeof v === 'function' ? (v as Function).bind(target) : v;
    },
  });
  const rsCounting = new RecordService({ db: counting, collections: cs });
  assert.deepEqual((await rsCounting.create('posts', { owners: [me.id] }, {}, as(me))).record.owners, [me.id]);
  assert.equal(reads.filter((s) => s.includes('"users"')).length, 0, reads.join('\n'));
  assert.equal(((await rsCounting.create('posts', { owners: [me.id, String(bob.record.id)] }, {}, as(me))).record.owners as string[]).length, 2);
  assert.equal(reads.filter((s) => s.includes('"users"')).length, 1, reads.join('\n'));
  await fails(rsCounting.create('posts', { owners: [me.id, 'missing00000000'] }, {}, as(me)), 400, 'owners', 'validation_missing_rel_records');
  // A guest naming the same id is checked with a read like any other requester.
  await rsCounting.create('posts', { owners: [me.id] }, {}, GUEST_CTX);
  assert.equal(reads.filter((s) => s.includes('"users"')).length, 3, reads.join('\n'));
});
