/**
 * The collections API's request hooks and the collection lifecycle hooks of an import, through
 * HTTP on SQLite and PostgreSQL: which hooks fire in which order (`expectedEvents`, each labelled
 * with the collection it names), what the events carry, changes before and after `next()`, a
 * handler answering by itself, errors in the registry's shape, and an import that a hook refuses
 * half-way leaving no collection, table or column of it behind.
 */
import assert from 'node:assert/strict';
import { apiError, fieldError, validationError } from '../../src/core/errors.js';
import type { AppHookName } from '../../src/hooks/app-hooks.js';
import { eachAppDialect } from '../http/test-app.js';
import type { TestApp } from '../http/test-app.js';

const REQUEST_HOOKS: AppHookName[] = [
  'onCollectionsListRequest', 'onCollectionViewRequest', 'onCollectionCreateRequest',
  'onCollectionUpdateRequest', 'onCollectionDeleteRequest', 'onCollectionsImportRequest',
];
const LIFECYCLE_HOOKS: AppHookName[] = [
  'onCollectionValidate', 'onCollectionCreate', 'onCollectionUpdate', 'onCollectionDelete',
  'onCollectionAfterCreateSuccess', 'onCollectionAfterUpdateSuccess', 'onCollectionAfterDeleteSuccess',
  'onCollectionAfterCreateError', 'onCollectionAfterUpdateError', 'onCollectionAfterDeleteError',
];
const UNTAGGED: AppHookName[] = ['onCollectionsListRequest', 'onCollectionsImportRequest'];

/** `hook:collection` for events naming one collection (stored or asked for in the body), else `hook`. */
function label(name: string, e: object): string {
  const { collection, body } = e as { collection?: { name: string }; body?: { name?: unknown } };
  const target = collection?.name ?? (typeof body?.name === 'string' ? body.name : undefined);
  return target === undefined ? name : `${name}:${target}`;
}

/** Binds a recorder to each hook, limited to `tags` where the hook has tags; returns what fired. */
function recordEvents(t: TestApp, names: AppHookName[], tags: string[] = []): string[] {
  const events: string[] = [];
  for (const name of names) {
    const hook = tags.length > 0 && !UNTAGGED.includes(name) ? t.app.hooks[name].on(...tags) : t.app.hooks[name];
    hook.bindFunc((e: { next(): Promise<void> }) => { events.push(label(name, e)); return e.next(); });
  }
  return events;
}

function scenarios(t: TestApp, events: string[]) {
  return async (name: string, method: string, path: string, body: unknown, expectedStatus: number, expectedEvents: string[], token?: null): Promise<any> => {
    events.length = 0;
    const res = await t.call(method, path, { ...(body === undefined ? {} : { body }), ...(token === null ? { token } : {}) });
    assert.equal(res.status, expectedStatus, `${name}: ${JSON.stringify(res.body)}`);
    assert.deepEqual(events, expectedEvents, name);
    return res.body;
  };
}

async function tableExists(t: TestApp, table: string): Promise<boolean> {
  return t.app.db.all(`SELECT * FROM "${table}"`).then(() => true, () => false);
}

async function storedNames(t: TestApp): Promise<string[]> {
  // The system collections are the ones starting with `_` (the test removes the stock users).
  const rows = await t.app.db.all<{ name: unknown }>(`SELECT "name" FROM "_collections"`);
  return rows.map((r) => String(r.name)).filter((n) => !n.startsWith('_')).sort();
}

eachAppDialect('collection request hooks: event fields, body and result changes, answering without next(), errors, tags', async (t) => {
  const events = recordEvents(t, [...REQUEST_HOOKS, ...LIFECYCLE_HOOKS], ['things']);
  const scenario = scenarios(t, events);

  // The routes are superuser-only and the hooks run after that check, as in PocketBase.
  await scenario('guest is refused before any hook', 'GET', '/api/collections', undefined, 401, [], null);
  await scenario('guest create', 'POST', '/api/collections', { name: 'things' }, 401, [], null);

  const seen: Record<string, unknown> = {};
  const grab = t.app.hooks.onCollectionCreateRequest.on('things').bindFunc(async (e) => {
    seen.create = [e.request.method, e.request.auth?.collection.name, e.body.name];
    // A change before next() is what is created.
    e.body.fields = [...(e.body.fields as unknown[]), { name: 'addedByHook', type: 'text' }];
    await e.next();
    seen.createResult = (e.result as { name: string }).name;
  });
  const things = await scenario('create', 'POST', '/api/collections', { name: 'things', fields: [{ name: 'title', type: 'text' }] }, 200, [
    'onCollectionCreateRequest:things', 'onCollectionValidate:things', 'onCollectionCreate:things', 'onCollectionAfterCreateSuccess:things',
  ]);
  t.app.hooks.onCollectionCreateRequest.unbind(grab);
  assert.deepEqual(seen.create, ['POST', '_superusers', 'things']);
  assert.equal(seen.createResult, 'things');
  assert.ok(things.fields.some((f: { name: string }) => f.name === 'addedByHook'));
  await scenario('another collection is not tagged things', 'POST', '/api/collections', { name: 'others' }, 200, []);

  await scenario('list (untagged)', 'GET', '/api/collections', undefined, 200, ['onCollectionsListRequest']);
  await scenario('view', 'GET', '/api/collections/things', undefined, 200, ['onCollectionViewRequest:things']);
  await scenario('view of another collection', 'GET', '/api/collections/others', undefined, 200, []);

  // Tags match the id as well as the name.
  const byId: string[] = [];
  const idTag = t.app.hooks.onCollectionViewRequest.on(things.id).bindFunc((e) => { byId.push(e.collection.id); return e.next(); });
  await t.call('GET', `/api/collections/${things.id}`);
  assert.deepEqual(byId, [things.id]);
  t.app.hooks.onCollectionViewRequest.unbind(idTag);

  // A change to the body before next() is saved; a change to the result after it is sent.
  const edit = t.app.hooks.onCollectionUpdateRequest.on('things').bindFunc(async (e) => {
    seen.update = [e.collection.id, e.body?.listRule];
    e.body = { ...e.body, viewRule: '' };
    await e.next();
    (e.result as Record<string, unknown>).hooked = true;
  });
  const updated = await scenario('update', 'PATCH', '/api/collections/things', { listRule: '' }, 200, [
    'onCollectionUpdateRequest:things', 'onCollectionValidate:things', 'onCollectionUpdate:things', 'onCollectionAfterUpdateSuccess:things',
  ]);
  t.app.hooks.onCollectionUpdateRequest.unbind(edit);
  assert.deepEqual(seen.update, [things.id, '']);
  assert.equal(updated.listRule, '');
  assert.equal(updated.viewRule, '');
  assert.equal(updated.hooked, true);
  assert.equal(t.app.collections.find('things')?.viewRule, '');

  const page = t.app.hooks.onCollectionsListRequest.bindFunc(async (e) => {
    await e.next();
    (e.result as Record<string, unknown>).hooked = true;
  });
  const listed = await t.call('GET', '/api/collections?filter=name%3D%22things%22');
  assert.equal(listed.body.hooked, true);
  assert.deepEqual(listed.body.items.map((c: { name: string }) => c.name), ['things']);
  t.app.hooks.onCollectionsListRequest.unbind(page);

  // Not calling next(): the answer is what the handler set, or 204 with nothing set.
  const custom = t.app.hooks.onCollectionViewRequest.on('things').bindFunc((e) => { e.result = { custom: e.collection.name }; });
  assert.deepEqual(await scenario('view answered by the hook', 'GET', '/api/collections/things', undefined, 200, ['onCollectionViewRequest:things']), { custom: 'things' });
  t.app.hooks.onCollectionViewRequest.unbind(custom);
  const swallow = t.app.hooks.onCollectionCreateRequest.on('ghost').bindFunc(() => {});
  await scenario('create skipped: 204, nothing made', 'POST', '/api/collections', { name: 'ghost' }, 204, []);
  t.app.hooks.onCollectionCreateRequest.unbind(swallow);
  assert.equal(t.app.collections.find('ghost'), undefined);
  assert.equal(await tableExists(t, 'ghost'), false);

  // A throwing handler answers in the registry's shape and the default action does not run.
  const keep = t.app.hooks.onCollectionDeleteRequest.on('things').bindFunc((e) => {
    if (e.request.headers['x-confirm'] !== 'yes') throw apiError('forbidden', 'Say yes.');
    return e.next();
  });
  const refused = await scenario('delete refused', 'DELETE', '/api/collections/things', undefined, 403, ['onCollectionDeleteRequest:things']);
  assert.deepEqual(refused, { status: 403, message: 'Say yes.', data: {} });
  assert.ok(t.app.collections.find('things'));
  assert.equal(await tableExists(t, 'things'), true);

  // Import: the event has the list and deleteMissing; a change before next() is imported.
  const imports: unknown[] = [];
  const extend = t.app.hooks.onCollectionsImportRequest.bindFunc(async (e) => {
    imports.push([e.collectionsData.length, e.deleteMissing]);
    if (e.request.headers['x-refuse'] === '1') throw validationError({ collections: fieldError('validation_invalid_value', undefined, 'Not now.') });
    e.collectionsData = [...e.collectionsData, { name: 'addedOnImport' }];
    await e.next();
  });
  await scenario('import', 'PUT', '/api/collections/import', { collections: [{ name: 'imported' }] }, 204, ['onCollectionsImportRequest']);
  assert.deepEqual(imports, [[1, false]]);
  assert.ok(t.app.collections.find('imported'));
  assert.ok(t.app.collections.find('addedOnImport'));
  const refusedImport = await t.call('PUT', '/api/collections/import', { body: { collections: [{ name: 'never' }] }, headers: { 'x-refuse': '1' } });
  assert.equal(refusedImport.status, 400);
  assert.deepEqual(refusedImport.body.data, { collections: { code: 'validation_invalid_value', message: 'Not now.' } });
  assert.equal(t.app.collections.find('never'), undefined);
  t.app.hooks.onCollectionsImportRequest.unbind(extend);
  // The body is checked before the hook (PocketBase's form validation): an empty list fires nothing.
  await scenario('empty import', 'PUT', '/api/collections/import', { collections: [] }, 400, []);

  events.length = 0;
  const deleted = await t.call('DELETE', '/api/collections/things', { headers: { 'x-confirm': 'yes' } });
  assert.equal(deleted.status, 204);
  assert.equal(deleted.body, null);
  assert.deepEqual(events, ['onCollectionDeleteRequest:things', 'onCollectionDelete:things', 'onCollectionAfterDeleteSuccess:things']);
  t.app.hooks.onCollectionDeleteRequest.unbind(keep);
  assert.equal(t.app.collections.find('things'), undefined);
});

eachAppDialect('import fires the collection hooks per collection in one transaction; a throwing hook undoes all of it', async (t) => {
  // Without the stock users collection, deleteMissing removes only what this test made.
  assert.equal((await t.call('DELETE', '/api/collections/users')).status, 204);
  for (const name of ['keep', 'doomed']) {
    const res = await t.call('POST', '/api/collections', { body: { name, fields: [{ name: 'title', type: 'text' }] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  }
  assert.equal((await t.call('POST', '/api/collections/doomed/records', { body: { title: 'row' } })).status, 200);
  const events = recordEvents(t, ['onCollectionsImportRequest', ...LIFECYCLE_HOOKS]);
  const scenario = scenarios(t, events);
  const keepWith = async (...extra: string[]) => {
    const stored = (await t.call('GET', '/api/collections/keep')).body;
    return { ...stored, fields: [...stored.fields, ...extra.map((name) => ({ name, type: 'text' }))] };
  };

  // Inside the transaction a handler sees its change through e.tx; after-success handlers run
  // after the commit, when the cache and a fresh connection see it.
  const inTx: unknown[] = [];
  const checkTx = t.app.hooks.onCollectionCreate.on('fresh').bindFunc(async (e) => {
    await e.next();
    inTx.push((await e.tx.all(`SELECT * FROM "fresh"`)).length);
  });
  const afterCommit: unknown[] = [];
  const checkCommit = t.app.hooks.onCollectionAfterCreateSuccess.on('fresh').bindFunc(async (e) => {
    afterCommit.push([t.app.collections.find('fresh')?.id === e.collection.id, await tableExists(t, 'fresh'), (await storedNames(t)).includes('fresh')]);
    await e.next();
  });
  await scenario('import: update, create, delete missing', 'PUT', '/api/collections/import', {
    collections: [await keepWith('extra'), { name: 'fresh', fields: [{ name: 'title', type: 'text' }] }], deleteMissing: true,
  }, 204, [
    'onCollectionsImportRequest',
    'onCollectionValidate:keep', 'onCollectionValidate:fresh',
    'onCollectionDelete:doomed', 'onCollectionUpdate:keep', 'onCollectionCreate:fresh',
    'onCollectionAfterDeleteSuccess:doomed', 'onCollectionAfterUpdateSuccess:keep', 'onCollectionAfterCreateSuccess:fresh',
  ]);
  t.app.hooks.onCollectionCreate.unbind(checkTx);
  t.app.hooks.onCollectionAfterCreateSuccess.unbind(checkCommit);
  assert.deepEqual(inTx, [0]);
  assert.deepEqual(afterCommit, [[true, true, true]]);
  assert.deepEqual(await storedNames(t), ['fresh', 'keep']);
  assert.equal(await tableExists(t, 'doomed'), false);
  await t.app.db.all(`SELECT "extra" FROM "keep"`);
  assert.equal((await t.call('POST', '/api/collections/fresh/records', { body: { title: 'kept' } })).status, 200);

  // The third collection's create hook throws after its DDL ran: the whole import rolls back
  // (the delete of fresh, the new column of keep, the table of fresh2), every collection whose
  // hooks ran hears the error, and no after-success hook fires.
  const refuse = t.app.hooks.onCollectionCreate.on('fresh3').bindFunc(async (e) => {
    await e.next();
    throw apiError('conflict', 'No fresh3.');
  });
  const failed = await scenario('a hook error rolls the whole import back', 'PUT', '/api/collections/import', {
    collections: [await keepWith('extra2'), { name: 'fresh2' }, { name: 'fresh3' }], deleteMissing: true,
  }, 409, [
    'onCollectionsImportRequest',
    'onCollectionValidate:keep', 'onCollectionValidate:fresh2', 'onCollectionValidate:fresh3',
    'onCollectionDelete:fresh', 'onCollectionUpdate:keep', 'onCollectionCreate:fresh2', 'onCollectionCreate:fresh3',
    'onCollectionAfterDeleteError:fresh', 'onCollectionAfterUpdateError:keep', 'onCollectionAfterCreateError:fresh2', 'onCollectionAfterCreateError:fresh3',
  ]);
  t.app.hooks.onCollectionCreate.unbind(refuse);
  assert.deepEqual(failed, { status: 409, message: 'No fresh3.', data: {} });
  assert.deepEqual(await storedNames(t), ['fresh', 'keep']);
  for (const name of ['fresh2', 'fresh3']) {
    assert.equal(t.app.collections.find(name), undefined, name);
    assert.equal(await tableExists(t, name), false, name);
  }
  assert.equal((await t.call('GET', '/api/collections/fresh/records')).body.totalItems, 1);
  await assert.rejects(t.app.db.all(`SELECT "extra2" FROM "keep"`));
  assert.ok(!t.app.collections.find('keep')?.fields.some((f) => f.name === 'extra2'));

  // The validate hook refuses before the transaction: only the collections validated so far hear it.
  const invalid = t.app.hooks.onCollectionValidate.on('fresh4').bindFunc(() => {
    throw validationError({ name: fieldError('validation_invalid_value', undefined, 'Reserved.') });
  });
  const refused = await scenario('validate hook refuses an import', 'PUT', '/api/collections/import', {
    collections: [{ name: 'fresh4' }, { name: 'fresh5' }],
  }, 400, [
    'onCollectionsImportRequest', 'onCollectionValidate:fresh4', 'onCollectionAfterCreateError:fresh4',
  ]);
  t.app.hooks.onCollectionValidate.unbind(invalid);
  assert.equal(refused.data.name.message, 'Reserved.');
  assert.deepEqual(await storedNames(t), ['fresh', 'keep']);

  // Input that does not normalise is refused before any collection hook, as a single create is.
  await scenario('invalid input fires no collection hook', 'PUT', '/api/collections/import', {
    collections: [{ name: 'fresh6', fields: [{ name: 'bad', type: 'nope' }] }],
  }, 400, ['onCollectionsImportRequest']);
});
