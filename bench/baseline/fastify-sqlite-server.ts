/**
 * The benchmark's yardstick: what a careful developer would write by hand with Fastify and
 * better-sqlite3 to serve the same two PocketBase routes over the same table. Prepared statements
 * made once, the rule `published = true || owner = @request.auth.id` written directly in SQL,
 * record JSON assembled by hand in collection field order. It supports exactly what the benchmark
 * sends (filter `views > N`, sort `-created`/`created`) and runs every request as a guest.
 *
 * Run as its own process so its RSS is measured alone:
 *   node --import tsx bench/baseline/fastify-sqlite-server.ts --db FILE --port 0
 * It prints `ready <port>` on stdout once listening.
 */
import type BetterSqlite3 from 'better-sqlite3';
import { BetterSqlite3Driver as Database } from '../../src/db/sqlite/better-sqlite3-driver.js';
import Fastify from 'fastify';
import { parseArgs } from 'node:util';
import { POSTS_COLLECTION_ID } from '../dataset.js';

interface PostRow {
  id: string;
  title: string;
  body: string;
  published: number;
  owner: string;
  views: number;
  created: string;
  updated: string;
}

const { values } = parseArgs({
  options: { db: { type: 'string' }, port: { type: 'string', default: '0' }, host: { type: 'string', default: '127.0.0.1' } },
});
if (!values.db) {
  console.error('usage: fastify-sqlite-server --db FILE [--port N] [--host H]');
  process.exit(2);
}

const db = new Database(values.db, { readonly: true });
db.pragma('cache_size = -16000');

const COLUMNS = '"id", "title", "body", "published", "owner", "views", "created", "updated"';
// `@request.auth.id` is the second parameter: '' for guests, as PocketBase binds it.
const RULE = '("published" = 1 OR "owner" = ?)';
const viewStmt = db.prepare<[string, string], PostRow>(`SELECT ${COLUMNS} FROM "posts" WHERE "id" = ? AND ${RULE}`);

type Order = 'desc' | 'asc' | 'none';
const ORDER_SQL: Record<Order, string> = { desc: 'ORDER BY "created" DESC', asc: 'ORDER BY "created" ASC', none: 'ORDER BY "rowid"' };
// One prepared statement per (filter?, order) shape, built at start: no SQL text per request.
const listStmts = {
  filtered: {} as Record<Order, BetterSqlite3.Statement<[number, string, number, number], PostRow>>,
  all: {} as Record<Order, BetterSqlite3.Statement<[string, number, number], PostRow>>,
};
for (const order of ['desc', 'asc', 'none'] as const) {
  listStmts.filtered[order] = db.prepare(`SELECT ${COLUMNS} FROM "posts" WHERE ("views" > ?) AND ${RULE} ${ORDER_SQL[order]} LIMIT ? OFFSET ?`);
  listStmts.all[order] = db.prepare(`SELECT ${COLUMNS} FROM "posts" WHERE ${RULE} ${ORDER_SQL[order]} LIMIT ? OFFSET ?`);
}
const countFiltered = db.prepare<[number, string], { n: number }>(`SELECT COUNT(*) AS "n" FROM "posts" WHERE ("views" > ?) AND ${RULE}`);
const countAll = db.prepare<[string], { n: number }>(`SELECT COUNT(*) AS "n" FROM "posts" WHERE ${RULE}`);

// Galley's record shape: collectionId and collectionName first, then the fields in collection
// order (`id` is the first field).
const RECORD_PREFIX = `{"collectionId":${JSON.stringify(POSTS_COLLECTION_ID)},"collectionName":"posts","id":`;

function recordJson(r: PostRow): string {
  return (
    `${RECORD_PREFIX}${JSON.stringify(r.id)},"title":${JSON.stringify(r.title)},"body":${JSON.stringify(r.body)},` +
    `"published":${r.published ? 'true' : 'false'},"owner":${JSON.stringify(r.owner)},"views":${r.views},` +
    `"created":${JSON.stringify(r.created)},"updated":${JSON.stringify(r.updated)}}`
  );
}

const NOT_FOUND = '{"status":404,"message":"The requested resource wasn\'t found.","data":{}}';
const badRequest = (message: string) => JSON.stringify({ status: 400, message, data: {} });

/** PocketBase's paging: non-integers are 400, page <= 0 is 1, perPage <= 0 is 30, > 1000 is 1000. */
function intParam(raw: string | undefined, fallback: number): number | undefined {
  if (raw === undefined || raw === '') return fallback;
  return /^-?\d+$/.test(raw) ? Number(raw) : undefined;
}

const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

const app = Fastify({ logger: false });
const JSON_TYPE = 'application/json; charset=utf-8';

app.get<{ Params: { id: string } }>('/api/collections/posts/records/:id', (request, reply) => {
  const row = viewStmt.get(request.params.id, '');
  if (!row) return reply.code(404).type(JSON_TYPE).send(NOT_FOUND);
  return reply.type(JSON_TYPE).send(recordJson(row));
});

app.get<{ Querystring: Record<string, string | undefined> }>('/api/collections/posts/records', (request, reply) => {
  const q = request.query;
  let page = intParam(q.page, 1);
  let perPage = intParam(q.perPage, 30);
  if (page === undefined || perPage === undefined) return reply.code(400).type(JSON_TYPE).send(badRequest('Invalid query parameter.'));
  if (page <= 0) page = 1;
  if (perPage <= 0) perPage = 30;
  if (perPage > 1000) perPage = 1000;
  const sort = q.sort ?? '';
  const order: Order | undefined = sort === '-created' ? 'desc' : sort === 'created' || sort === '+created' ? 'asc' : sort === '' ? 'none' : undefined;
  if (!order) return reply.code(400).type(JSON_TYPE).send(badRequest('Invalid sort expression.'));
  const filter = (q.filter ?? '').trim();
  let min: number | undefined;
  if (filter !== '') {
    const m = /^views\s*>\s*(\d+)$/.exec(filter);
    if (!m) return reply.code(400).type(JSON_TYPE).send(badRequest('Invalid filter expression.'));
    min = Number(m[1]);
  }
  const offset = (page - 1) * perPage;
  const rows = min === undefined ? listStmts.all[order].all('', perPage, offset) : listStmts.filtered[order].all(min, '', perPage, offset);
  let totalItems = -1;
  let totalPages = -1;
  if (!GO_TRUE.has(q.skipTotal ?? '')) {
    totalItems = (min === undefined ? countAll.get('') : countFiltered.get(min, ''))?.n ?? 0;
    totalPages = Math.ceil(totalItems / perPage);
  }
  let items = '';
  for (let i = 0; i < rows.length; i++) items += (i === 0 ? '' : ',') + recordJson(rows[i] as PostRow);
  return reply
    .type(JSON_TYPE)
    .send(`{"page":${page},"perPage":${perPage},"totalItems":${totalItems},"totalPages":${totalPages},"items":[${items}]}`);
});

app.get('/api/health', (_request, reply) => reply.type(JSON_TYPE).send('{"code":200,"message":"API is healthy.","data":{}}'));

const address = await app.listen({ host: values.host, port: Number(values.port) });
process.stdout.write(`ready ${new URL(address).port}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void app.close().then(() => {
      db.close();
      process.exit(0);
    });
  });
}
