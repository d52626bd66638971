/** Scenario table for the record routes, on SQLite and PostgreSQL. */
import { eachAppDialect } from '../http/test-app.js';
import { createFixtureCollections, createFixtureUser, seedRecords } from './api-fixture.js';
import { runScenario } from './scenario.js';
import type { Scenario } from './scenario.js';

const P = '/api/collections/posts/records';

export const recordScenarios: Scenario[] = [
  // list
  { name: 'list as guest', method: 'GET', url: P, as: 'guest', expectedStatus: 200, expectedContent: ['"page":1', '"perPage":30', '"title":"hello"', '"collectionName":"posts"'] },
  { name: 'list by collection id case-insensitive name', method: 'GET', url: '/api/collections/POSTS/records', expectedStatus: 200, expectedContent: ['"items":['] },
  { name: 'list paging clamped and echoed', method: 'GET', url: `${P}?page=0&perPage=5000`, expectedStatus: 200, expectedContent: ['"page":1', '"perPage":1000'] },
  { name: 'list skipTotal', method: 'GET', url: `${P}?skipTotal=1`, expectedStatus: 200, expectedContent: ['"totalItems":-1', '"totalPages":-1'] },
  { name: 'list non-integer page', method: 'GET', url: `${P}?page=abc`, expectedStatus: 400 },
  { name: 'list non-integer perPage', method: 'GET', url: `${P}?perPage=1.5`, expectedStatus: 400 },
  { name: 'list filter', method: 'GET', url: `${P}?filter=${encodeURIComponent("title = 'hello' && views >= 1")}`, expectedStatus: 200, expectedContent: ['"title":"hello"'] },
  { name: 'list filter no match', method: 'GET', url: `${P}?filter=${encodeURIComponent("title = 'nope'")}`, expectedStatus: 200, expectedContent: ['"items":[]'] },
  { name: 'list bad filter', method: 'GET', url: `${P}?filter=${encodeURIComponent('title = ')}`, expectedStatus: 400 },
  { name: 'list filter unknown field', method: 'GET', url: `${P}?filter=${encodeURIComponent("nope = 1")}`, expectedStatus: 400 },
  { name: 'list sort', method: 'GET', url: `${P}?sort=-created,title`, expectedStatus: 200 },
  { name: 'list sort unknown field', method: 'GET', url: `${P}?sort=nope`, expectedStatus: 400 },
  { name: 'list @request in guest filter', method: 'GET', url: `${P}?filter=${encodeURIComponent("@request.auth.id = ''")}`, as: 'guest', expectedStatus: 403 },
  { name: 'list fields', method: 'GET', url: `${P}?fields=id,title`, expectedStatus: 200, expectedContent: ['"title":"hello"'], notExpectedContent: ['"views"', '"collectionName"'] },
  { name: 'list expand', method: 'GET', url: `${P}?expand=author`, expectedStatus: 200, expectedContent: ['"expand":{"author":{', '"id":"{user}"'] },
  { name: 'list unknown collection', method: 'GET', url: '/api/collections/missing/records', expectedStatus: 404, expectedContent: ['Missing collection context.'] },
  { name: 'list null rule as guest', method: 'GET', url: '/api/collections/secrets/records', as: 'guest', expectedStatus: 403, expectedContent: ['Only superusers can perform this action.'] },
  { name: 'list null rule as user', method: 'GET', url: '/api/collections/secrets/records', as: 'user', expectedStatus: 403 },
  { name: 'list null rule as superuser', method: 'GET', url: '/api/collections/secrets/records', expectedStatus: 200, expectedContent: ['s3cret'] },
  { name: 'list owned as guest is filtered', method: 'GET', url: '/api/collections/owned/records', as: 'guest', expectedStatus: 200, expectedContent: ['"items":[]'] },
  { name: 'list owned as owner', method: 'GET', url: '/api/collections/owned/records', as: 'user', expectedStatus: 200, expectedContent: ['"note":"mine"'] },
  { name: 'list view collection', method: 'GET', url: '/api/collections/post_titles/records', as: 'guest', expectedStatus: 200, expectedContent: ['"title":"hello"'] },
  // view
  { name: 'view', method: 'GET', url: `${P}/{post}`, as: 'guest', expectedStatus: 200, expectedContent: ['"id":"{post}"', '"tags":["a"]'] },
  { name: 'view missing', method: 'GET', url: `${P}/missing123`, expectedStatus: 404 },
  { name: 'view owned by other is 404', method: 'GET', url: '/api/collections/owned/records/{owned}', as: 'guest', expectedStatus: 404 },
  { name: 'view owned by owner', method: 'GET', url: '/api/collections/owned/records/{owned}', as: 'user', expectedStatus: 200 },
  { name: 'view If-None-Match current', method: 'GET', url: `${P}/{post}`, headers: { 'if-none-match': '"1"' }, expectedStatus: 304 },
  { name: 'view If-None-Match stale', method: 'GET', url: `${P}/{post}`, headers: { 'if-none-match': '"7"' }, expectedStatus: 200 },
  { name: 'view If-None-Match invalid', method: 'GET', url: `${P}/{post}`, headers: { 'if-none-match': 'garbage' }, expectedStatus: 400 },
  { name: 'view fields excerpt', method: 'GET', url: `${P}/{post}?fields=title:excerpt(3)`, expectedStatus: 200, expectedContent: ['{"title":"hel"}'] },
  // create
  { name: 'create JSON', method: 'POST', url: P, as: 'guest', body: { title: 'new', views: 2 }, expectedStatus: 200, expectedContent: ['"title":"new"', '"views":2'], expectedEvents: ['create:posts'] },
  { name: 'create urlencoded', method: 'POST', url: P, raw: 'title=form&views=5&tags=a&tags=b', headers: { 'content-type': 'application/x-www-form-urlencoded' }, expectedStatus: 200, expectedContent: ['"title":"form"', '"views":5', '"tags":["a","b"]'], expectedEvents: ['create:posts'] },
  { name: 'create multipart with @jsonPayload', method: 'POST', url: P, form: [['title', 'mp'], ['views', '3'], ['@jsonPayload', '{"tags":["b","c"]}']], expectedStatus: 200, expectedContent: ['"title":"mp"', '"views":3', '"tags":["b","c"]'], expectedEvents: ['create:posts'] },
  // As in PocketBase, a file part under a key that is not a file field is ignored (file fields: test/files).
  { name: 'create multipart with a file for a non-file key', method: 'POST', url: P, form: [['title', 'f'], ['doc', new Blob(['x']), 'a.txt']], expectedStatus: 200, expectedContent: ['"title":"f"'], expectedEvents: ['create:posts'] },
  { name: 'create with expand', method: 'POST', url: `${P}?expand=author`, body: { title: 'e', author: '{user}' }, expectedStatus: 200, expectedContent: ['"expand":{"author":'], expectedEvents: ['create:posts'] },
  { name: 'create with modifiers', method: 'POST', url: P, body: { title: 'm', 'tags+': ['c'] }, expectedStatus: 200, expectedContent: ['"tags":["c"]'], expectedEvents: ['create:posts'] },
  { name: 'create field error', method: 'POST', url: P, body: { title: 'x'.repeat(200) }, expectedStatus: 400, expectedContent: ['"title":{"code":"validation_max_text_constraint"'] },
  { name: 'create bad select value', method: 'POST', url: P, body: { tags: ['zzz'] }, expectedStatus: 400, expectedContent: ['"tags":'] },
  { name: 'create missing relation', method: 'POST', url: P, body: { author: 'nope' }, expectedStatus: 400, expectedContent: ['"author":'] },
  { name: 'create broken JSON', method: 'POST', url: P, raw: '{"title":', expectedStatus: 400 },
  { name: 'create JSON array body', method: 'POST', url: P, raw: '[1,2]', expectedStatus: 400 },
  { name: 'create JSON string body', method: 'POST', url: P, raw: '"x"', expectedStatus: 400 },
  { name: 'create null rule as guest', method: 'POST', url: '/api/collections/secrets/records', as: 'guest', body: { value: 'x' }, expectedStatus: 403 },
  { name: 'create rule not matched', method: 'POST', url: '/api/collections/owned/records', as: 'guest', body: { note: 'x' }, expectedStatus: 400, expectedContent: ['Failed to create record.'] },
  { name: 'create rule matched', method: 'POST', url: '/api/collections/owned/records', as: 'user', body: { note: 'x', owner: '{user}' }, expectedStatus: 200, expectedEvents: ['create:owned'] },
  { name: 'create in a view', method: 'POST', url: '/api/collections/post_titles/records', body: { title: 'x' }, expectedStatus: 400 },
  { name: 'create unknown collection', method: 'POST', url: '/api/collections/missing/records', body: {}, expectedStatus: 404 },
  { name: 'create with client id', method: 'POST', url: P, body: { id: 'abcdefghijklmno', title: 'id' }, expectedStatus: 200, expectedContent: ['"id":"abcdefghijklmno"'], expectedEvents: ['create:posts'] },
  { name: 'create duplicate id', method: 'POST', url: P, body: { id: '{post}' }, expectedStatus: 400 },
  { name: 'create unknown keys ignored', method: 'POST', url: P, body: { nope: 1, title: 'k' }, expectedStatus: 200, notExpectedContent: ['"nope"'], expectedEvents: ['create:posts'] },
  // update
  { name: 'update', method: 'PATCH', url: `${P}/{post}`, as: 'guest', body: { title: 'changed', 'views+': 4 }, expectedStatus: 200, expectedContent: ['"title":"changed"', '"views":5'], expectedEvents: ['update:posts'] },
  { name: 'update If-Match current', method: 'PATCH', url: `${P}/{post}`, headers: { 'if-match': '"1"' }, body: { title: 'ok' }, expectedStatus: 200, expectedEvents: ['update:posts'] },
  { name: 'update If-Match weak form', method: 'PATCH', url: `${P}/{post}`, headers: { 'if-match': 'W/"1"' }, body: { title: 'ok' }, expectedStatus: 200, expectedEvents: ['update:posts'] },
  { name: 'update If-Match stale', method: 'PATCH', url: `${P}/{post}`, headers: { 'if-match': '"9"' }, body: { title: 'no' }, expectedStatus: 412 },
  { name: 'update If-Match invalid', method: 'PATCH', url: `${P}/{post}`, headers: { 'if-match': '1' }, body: { title: 'no' }, expectedStatus: 400 },
  { name: 'update If-Match list', method: 'PATCH', url: `${P}/{post}`, headers: { 'if-match': '"1", "2"' }, body: { title: 'no' }, expectedStatus: 400 },
  { name: 'update missing', method: 'PATCH', url: `${P}/missing123`, body: { title: 'no' }, expectedStatus: 404 },
  { name: 'update owned by other is 404', method: 'PATCH', url: '/api/collections/owned/records/{owned}', as: 'guest', body: { note: 'no' }, expectedStatus: 404 },
  { name: 'update null rule as user', method: 'PATCH', url: '/api/collections/secrets/records/{secret}', as: 'user', body: { value: 'no' }, expectedStatus: 403 },
  { name: 'update field error', method: 'PATCH', url: `${P}/{post}`, body: { title: 'x'.repeat(101) }, expectedStatus: 400 },
  { name: 'update multipart', method: 'PATCH', url: `${P}/{post}`, form: [['title', 'mpu'], ['tags', 'b'], ['tags', 'c']], expectedStatus: 200, expectedContent: ['"title":"mpu"', '"tags":["b","c"]'], expectedEvents: ['update:posts'] },
  { name: 'update a view', method: 'PATCH', url: '/api/collections/post_titles/records/{post}', body: { title: 'x' }, expectedStatus: 400 },
  // delete
  { name: 'delete', method: 'DELETE', url: `${P}/{post}`, as: 'guest', expectedStatus: 204, expectedEvents: ['delete:posts'] },
  { name: 'delete If-Match stale', method: 'DELETE', url: `${P}/{post}`, headers: { 'if-match': '"2"' }, expectedStatus: 412 },
  { name: 'delete If-Match current', method: 'DELETE', url: `${P}/{post}`, headers: { 'if-match': '"1"' }, expectedStatus: 204, expectedEvents: ['delete:posts'] },
  { name: 'delete missing', method: 'DELETE', url: `${P}/missing123`, expectedStatus: 404 },
  { name: 'delete owned by other is 404', method: 'DELETE', url: '/api/collections/owned/records/{owned}', as: 'guest', expectedStatus: 404 },
  { name: 'delete null rule as user', method: 'DELETE', url: '/api/collections/secrets/records/{secret}', as: 'user', expectedStatus: 403 },
  { name: 'delete unknown collection', method: 'DELETE', url: '/api/collections/missing/records/x', expectedStatus: 404 },
];

eachAppDialect('records API scenarios', async (t) => {
  await createFixtureCollections(t);
  const user = await createFixtureUser(t);
  for (const scenario of recordScenarios) {
    const fixture = await seedRecords(t, user);
    await runScenario(t, fixture, scenario);
  }
});
