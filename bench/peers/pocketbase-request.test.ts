import assert from 'node:assert/strict';
import { test } from 'node:test';
import { directusPath } from './directus.js';
import { parseServerPath } from './parse-server.js';
import { parsePocketBaseRequest, summarizePocketBaseAnswer } from './pocketbase-request.js';

const LIST = `/api/collections/posts/records?page=2&perPage=20&sort=-created&filter=${encodeURIComponent('views > 985')}`;

test('a view and a filtered, sorted list page parse into their parts', () => {
  assert.deepEqual(parsePocketBaseRequest('/api/collections/posts/records/abc123'), { kind: 'view', collection: 'posts', id: 'abc123' });
  assert.deepEqual(parsePocketBaseRequest(`${LIST}&skipTotal=1`), {
    kind: 'list',
    collection: 'posts',
    page: 2,
    perPage: 20,
    sort: [{ field: 'created', descending: true }],
    filter: { field: 'views', operator: '>', value: 985 },
    skipTotal: true,
  });
});

test('requests a peer cannot express faithfully are not parsed (the scenario is skipped for peers)', () => {
  assert.equal(parsePocketBaseRequest('/api/collections/posts/records?expand=owner'), undefined);
  assert.equal(parsePocketBaseRequest(`/api/collections/posts/records?filter=${encodeURIComponent('title ~ "x"')}`), undefined);
  assert.equal(parsePocketBaseRequest('/api/collections/posts/records/abc?fields=id'), undefined);
  assert.equal(parsePocketBaseRequest('/api/batch'), undefined);
});

test('Parse Server and Directus paths ask for the same page, order, filter and count', () => {
  const list = parsePocketBaseRequest(LIST);
  assert.ok(list);
  const parse = new URL(parseServerPath(list), 'http://x');
  assert.equal(parse.pathname, '/parse/classes/posts');
  assert.deepEqual(Object.fromEntries(parse.searchParams), { where: '{"views":{"$gt":985}}', order: '-createdAt', limit: '20', skip: '20', count: '1' });
  const directus = new URL(directusPath(list), 'http://x');
  assert.equal(directus.pathname, '/items/posts');
  assert.deepEqual(Object.fromEntries(directus.searchParams), { limit: '20', page: '2', sort: '-created', 'filter[views][_gt]': '985', meta: 'filter_count' });

  const skip = parsePocketBaseRequest(`${LIST}&skipTotal=1`);
  assert.ok(skip);
  assert.equal(new URL(parseServerPath(skip), 'http://x').searchParams.has('count'), false);
  assert.equal(new URL(directusPath(skip), 'http://x').searchParams.has('meta'), false);
});

test('the baseline answer is reduced to status, ids and total (none with skipTotal)', () => {
  const list = parsePocketBaseRequest(LIST);
  assert.ok(list);
  assert.deepEqual(summarizePocketBaseAnswer(list, 200, { totalItems: 7, items: [{ id: 'a' }, { id: 'b' }] }), { status: 200, ids: ['a', 'b'], total: 7 });
  assert.deepEqual(summarizePocketBaseAnswer(list, 200, { totalItems: -1, items: [] }), { status: 200, ids: [] });
  assert.deepEqual(summarizePocketBaseAnswer(list, 404, { status: 404 }), { status: 404, ids: [] });
});
