/**
 * A fixed corpus of malformed requests sent to every route of the server (the route list comes from
 * `apiRoutes`, so a new route is covered without editing this file): broken and wrongly typed
 * bodies, bodies over the limit, broken multipart, unknown collections and ids, SQL fragments in
 * filters, sorts and path parameters, out-of-range paging, bad ETags and tokens. Every answer must
 * be below 500, every 4xx must be PocketBase's `{status, message, data}`, and a failed request
 * must leave the data exactly as it was.
 */
import assert from 'node:assert/strict';
import { apiRoutes } from '../../src/http/api-routes.js';
import { eachAppDialect } from '../http/test-app.js';
import type { TestApp } from '../http/test-app.js';
import { createFixtureCollections, createFixtureUser, dataSnapshot, seedRecords } from './api-fixture.js';
import { assertErrorShape } from './scenario.js';

const BODY_LIMIT = 64 * 1024;

/**
 * Failures found by this corpus and not fixed yet, pinned so the rest of the corpus keeps guarding
 * (`'METHOD /path '` prefixes). Empty: `GET /api/logs/%00` (a NUL byte reaching PostgreSQL, 22021,
 * answered 500) is fixed once for every route in the error mapping.
 */
const KNOWN_ISSUES: readonly string[] = [];

interface Malformed {
  name: string;
  raw?: string;
  contentType?: string;
  headers?: Record<string, string>;
  query?: string;
  token?: string | null;
}

const SQL = ["' OR 1=1 --", '1; DROP TABLE posts; --', '"; DELETE FROM users; --', "') UNION SELECT * FROM _superusers --"];

export const BODY_CORPUS: Malformed[] = [
  { name: 'broken JSON', raw: '{"title":' },
  { name: 'JSON with trailing garbage', raw: '{"title":"x"} garbage' },
  { name: 'JSON array', raw: '[1,2,3]' },
  { name: 'JSON string', raw: '"text"' },
  { name: 'JSON number', raw: '42' },
  { name: 'JSON null', raw: 'null' },
  { name: 'invalid UTF-8', raw: '{"title":"\udc00"}' },
  { name: 'prototype pollution', raw: '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}' },
  {
    name: 'wrong types',
    raw: JSON.stringify({
      title: { $gt: '' }, views: 'abc', tags: 5, author: [1, 2], requests: { 0: 1 }, name: 123, fields: 'x', type: [],
      batch: 'no', identity: [], password: {}, collections: 'x', deleteMissing: 'maybe', id: { x: 1 }, viewQuery: 7,
    }),
  },
  { name: 'deep nesting', raw: '['.repeat(5000) + ']'.repeat(5000) },
  { name: 'huge body', raw: JSON.stringify({ title: 'x'.repeat(BODY_LIMIT * 2) }) },
  { name: 'urlencoded garbage', raw: '%%%&&&==%zz', contentType: 'application/x-www-form-urlencoded' },
  { name: 'multipart without boundary', raw: 'whatever', contentType: 'multipart/form-data' },
  { name: 'multipart truncated', raw: '--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nunterminated', contentType: 'multipart/form-data; boundary=b' },
  { name: 'multipart broken @jsonPayload', raw: '--b\r\nContent-Disposition: form-data; name="@jsonPayload"\r\n\r\n{nope\r\n--b--\r\n', contentType: 'multipart/form-data; boundary=b' },
  { name: 'unsupported content type', raw: 'hello', contentType: 'text/plain' },
  { name: 'invalid content type', raw: '{}', contentType: '/// nonsense' },
];

export const QUERY_CORPUS: Malformed[] = [
  ...SQL.map((s) => ({ name: `filter SQL ${s}`, query: `filter=${encodeURIComponent(s)}` })),
  ...SQL.map((s) => ({ name: `sort SQL ${s}`, query: `sort=${encodeURIComponent(s)}` })),
  { name: 'filter unbalanced', query: `filter=${encodeURIComponent("((title = 'x'")}` },
  { name: 'filter too long', query: `filter=${encodeURIComponent("title = 'x' || ".repeat(400) + "title = 'y'")}` },
  { name: 'filter @collection', query: `filter=${encodeURIComponent('@collection.users.email != ""')}` },
  { name: 'sort too many terms', query: `sort=${Array(20).fill('title').join(',')}` },
  { name: 'page negative', query: 'page=-5&perPage=-1' },
  { name: 'page huge', query: 'page=99999999999999999999&perPage=99999999999' },
  { name: 'page not a number', query: 'page=abc&perPage=1e3' },
  { name: 'skipTotal garbage', query: 'skipTotal=maybe' },
  { name: 'expand too deep', query: 'expand=author.a.b.c.d.e.f.g.h' },
  { name: 'expand unknown', query: `expand=${encodeURIComponent("nope,'; DROP TABLE posts")}` },
  { name: 'fields broken', query: 'fields=*(,:excerpt(' },
  { name: 'repeated params', query: 'page=1&page=x&filter=a&filter=(' },
];

export const HEADER_CORPUS: Malformed[] = [
  { name: 'If-Match garbage', headers: { 'if-match': 'nope' } },
  { name: 'If-Match stale', headers: { 'if-match': '"999"' } },
  { name: 'If-None-Match garbage', headers: { 'if-none-match': 'W/nope' } },
  { name: 'Idempotency-Key empty', headers: { 'idempotency-key': '' } },
  { name: 'Idempotency-Key broken quoting', headers: { 'idempotency-key': '"abc' } },
  { name: 'garbage token', token: 'not.a.token' },
  { name: 'Bearer garbage token', token: 'Bearer eyJhbGciOiJub25lIn0.e30.' },
];

/** Path parameter values: existing, unknown, hostile. */
function collectionValues(method: string, url: string): string[] {
  const hostile = ['missing', "posts'; DROP TABLE posts; --", '..%2F..%2Fetc', 'x'.repeat(300)];
  // Deleting or truncating an existing collection is a legitimate success; the corpus only aims
  // those routes at names that do not exist.
  const destructive = method === 'DELETE' && !url.includes('/records');
  return destructive ? hostile : ['posts', ...hostile];
}

function idValues(postId: string): string[] {
  return [postId, ...SQL.map(encodeURIComponent), 'x'.repeat(900), '%00', '..%2F..'];
}

interface Target {
  method: string;
  path: string;
}

function targets(t: TestApp, postId: string): Target[] {
  const out: Target[] = [];
  for (const factory of apiRoutes) {
    const route = factory(t.app);
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      const collections = route.url.includes(':collection') ? collectionValues(method, route.url) : [''];
      for (const c of collections) {
        const withCollection = route.url.replace(':collection', c);
        if (!withCollection.includes(':id')) {
          out.push({ method, path: withCollection });
          continue;
        }
        for (const id of idValues(postId)) out.push({ method, path: withCollection.replace(':id', id) });
      }
    }
  }
  return out;
}

async function send(t: TestApp, target: Target, m: Malformed): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { ...m.headers };
  const hasBody = m.raw !== undefined && target.method !== 'GET' && target.method !== 'HEAD';
  if (hasBody) headers['content-type'] = m.contentType ?? 'application/json';
  const token = m.token === undefined ? t.token : m.token;
  if (token) headers.authorization = token;
  const url = t.url + target.path + (m.query ? (target.path.includes('?') ? '&' : '?') + m.query : '');
  const res = await fetch(url, { method: target.method, headers, ...(hasBody ? { body: m.raw } : {}) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text === '' ? null : JSON.parse(text);
  } catch {
    // left as text: the assertion below shows it
  }
  return { status: res.status, body };
}

eachAppDialect(
  'malformed input corpus on every route: 4xx in the documented shape, never 500, no partial write',
  async (t, ctx) => {
    await createFixtureCollections(t);
    const user = await createFixtureUser(t);
    const fixture = await seedRecords(t, user);
    const corpus = [...BODY_CORPUS, ...QUERY_CORPUS, ...HEADER_CORPUS];
    const failures: string[] = [];
    let sent = 0;
    for (const target of targets(t, fixture.postId)) {
      for (const m of corpus) {
        // Body cases only mean something where a body is read.
        if (m.raw !== undefined && (target.method === 'GET' || target.method === 'DELETE')) continue;
        const before = await dataSnapshot(t);
        const { status, body } = await send(t, target, m);
        sent++;
        const label = `${target.method} ${target.path.slice(0, 120)} [${m.name}] -> ${status} ${JSON.stringify(body).slice(0, 300)}`;
        if (status >= 500) {
          failures.push(label);
          continue;
        }
        if (status >= 400 && target.method !== 'HEAD') {
          try {
            assertErrorShape(body, status, label);
          } catch (err) {
            failures.push(`${label}: ${(err as Error).message.split('\n')[0]}`);
            continue;
          }
          if ((await dataSnapshot(t)) !== before) failures.push(`${label}: data changed by a failed request`);
        }
      }
    }
    assert.ok(sent > 500, `corpus too small: ${sent}`);
    const known = failures.filter((f) => KNOWN_ISSUES.some((k) => f.startsWith(k)));
    if (known.length > 0) ctx.diagnostic(`${known.length} known corpus failures (see KNOWN_ISSUES)`);
    assert.deepEqual(failures.filter((f) => !known.includes(f)), [], `${failures.length} of ${sent} requests misbehaved`);
  },
  { config: { bodyLimit: BODY_LIMIT } },
);
