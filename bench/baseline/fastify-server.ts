/**
 * The benchmark's yardstick: what a careful developer would write by hand with Fastify to serve
 * the same PocketBase routes over the same tables. Prepared statements made once, the rules written
 * directly in SQL, record JSON assembled by hand in collection field order, JWT (HS256) verified
 * and signed with node:crypto, passwords checked with the same argon2id addon Galley uses. It
 * supports exactly what the benchmark sends: filter `views > N`, sort `created`/`-created`,
 * `expand=owner`, `skipTotal`, create/update/batch of posts, password login and auth-refresh on
 * `users`, and a minimal realtime SSE endpoint so creates fan out to subscribers as Galley's do.
 *
 * The storage is SQLite (better-sqlite3, `--db FILE`) or PostgreSQL (`pg`, `--pg URL`, the same SQL
 * with `$n` placeholders); see ./sqlite-store.ts and ./pg-store.ts.
 *
 * Run as its own process so its RSS and CPU are measured alone; prints `ready <port>` once listening.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import Fastify from 'fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { POSTS_COLLECTION_ID, USERS_COLLECTION_ID } from '../dataset.js';
import type { ListQuery, Order, PostRecord, Store, UserRecord } from './store.js';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    pg: { type: 'string' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});
if (!values.db && !values.pg) {
  console.error('usage: fastify-server (--db FILE | --pg URL) [--port N] [--host H]');
  process.exit(2);
}

const store: Store = values.pg
  ? new (await import('./pg-store.js')).PgStore(values.pg)
  : new (await import('./sqlite-store.js')).SqliteStore(values.db as string);

// ---- JSON ---------------------------------------------------------------------------------------
// Galley's record shape: collectionId and collectionName first, then the fields in collection
// order (`id` is the first field). Hidden fields (password, tokenKey) never appear.
const POST_PREFIX = `{"collectionId":${JSON.stringify(POSTS_COLLECTION_ID)},"collectionName":"posts","id":`;
const USER_PREFIX = `{"collectionId":${JSON.stringify(USERS_COLLECTION_ID)},"collectionName":"users","id":`;

function postBody(r: PostRecord): string {
  return (
    `${POST_PREFIX}${JSON.stringify(r.id)},"title":${JSON.stringify(r.title)},"body":${JSON.stringify(r.body)},` +
    `"published":${r.published ? 'true' : 'false'},"owner":${JSON.stringify(r.owner)},"views":${Number(r.views)},` +
    `"created":${JSON.stringify(r.created)},"updated":${JSON.stringify(r.updated)}`
  );
}
const postJson = (r: PostRecord): string => `${postBody(r)}}`;

/** The email is shown to the user themself, or to anyone when `emailVisibility` is on. */
function userJson(u: UserRecord, authId: string): string {
  const email = u.emailVisibility || u.id === authId ? `"email":${JSON.stringify(u.email)},` : '';
  return (
    `${USER_PREFIX}${JSON.stringify(u.id)},${email}"emailVisibility":${u.emailVisibility ? 'true' : 'false'},` +
    `"verified":${u.verified ? 'true' : 'false'},"name":${JSON.stringify(u.name)},"avatar":${JSON.stringify(u.avatar)},` +
    `"created":${JSON.stringify(u.created)},"updated":${JSON.stringify(u.updated)}}`
  );
}

const error = (status: number, message: string, data = '{}') => `{"status":${status},"message":${JSON.stringify(message)},"data":${data}}`;
const NOT_FOUND = error(404, "The requested resource wasn't found.");
const JSON_TYPE = 'application/json; charset=utf-8';

// ---- auth tokens (HS256, PocketBase claims; key = record tokenKey + per-collection secret) ---------
const SECRET = randomBytes(25).toString('hex');
const AUTH_TOKEN_SECONDS = 604_800;
const JWT_HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url');

function signAuthToken(user: UserRecord, amr: readonly string[]): string {
  const exp = Math.floor(Date.now() / 1000) + AUTH_TOKEN_SECONDS;
  const payload = Buffer.from(
    JSON.stringify({ id: user.id, type: 'auth', collectionId: USERS_COLLECTION_ID, refreshable: true, amr, exp }),
  ).toString('base64url');
  const signature = createHmac('sha256', user.tokenKey + SECRET).update(`${JWT_HEADER}.${payload}`).digest('base64url');
  return `${JWT_HEADER}.${payload}.${signature}`;
}

interface Auth {
  user: UserRecord;
  amr: string[];
}

/** The signed-in user of a request, or undefined (a guest) for a missing, malformed or invalid token. */
async function authenticate(request: FastifyRequest): Promise<Auth | undefined> {
  let token = request.headers.authorization;
  if (!token) return undefined;
  if (token.startsWith('Bearer ')) token = token.slice(7);
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== JWT_HEADER) return undefined;
  let claims: { id?: unknown; type?: unknown; collectionId?: unknown; exp?: unknown; amr?: unknown };
  try {
    claims = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof claims.id !== 'string' || claims.type !== 'auth' || claims.collectionId !== USERS_COLLECTION_ID) return undefined;
  if (typeof claims.exp !== 'number' || claims.exp <= Date.now() / 1000) return undefined;
  const user = await store.userById(claims.id);
  if (!user) return undefined;
  const expected = createHmac('sha256', user.tokenKey + SECRET).update(`${parts[0]}.${parts[1]}`).digest();
  const actual = Buffer.from(parts[2] as string, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) return undefined;
  return { user, amr: Array.isArray(claims.amr) ? (claims.amr as string[]) : [] };
}

// ---- records ------------------------------------------------------------------------------------
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
function newId(): string {
  const bytes = randomBytes(15);
  let id = '';
  for (const b of bytes) id += ID_ALPHABET[b % 36];
  return id;
}

const now = () => new Date().toISOString().replace('T', ' ');

type Body = Record<string, unknown>;

/** The posts collection's validation, as its field definitions say; the error data or the row. */
async function validatePost(body: unknown, timestamp: string): Promise<{ row: PostRecord } | { errors: string }> {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Body;
  const errors: Record<string, { code: string; message: string; params?: Record<string, unknown> }> = {};
  const title = typeof b.title === 'string' ? b.title : b.title === undefined || b.title === null ? '' : String(b.title);
  if (title.trim() === '') errors.title = { code: 'validation_required', message: 'Cannot be blank.' };
  else if ([...title].length > 200) errors.title = { code: 'validation_max_text_constraint', message: 'Must be no more than 200 character(s).', params: { max: 200 } };
  const views = b.views === undefined ? 0 : Number(b.views);
  if (!Number.isInteger(views)) errors.views = { code: 'validation_only_int_constraint', message: 'Decimal numbers are not allowed.' };
  const owner = typeof b.owner === 'string' ? b.owner : '';
  if (owner !== '' && !(await store.userById(owner))) {
    errors.owner = { code: 'validation_missing_rel_records', message: 'Failed to find all relation records with the provided ids.' };
  }
  if (Object.keys(errors).length > 0) return { errors: JSON.stringify(errors) };
  const row: PostRecord = {
    id: newId(),
    title,
    body: typeof b.body === 'string' ? b.body : '',
    published: b.published === true,
    owner,
    views,
    created: timestamp,
    updated: timestamp,
  };
  return { row };
}

// ---- realtime (minimal SSE: PB_CONNECT, a subscription POST, create events) ------------------------
interface Subscriber {
  res: ServerResponse;
  topics: Set<string>;
}
const subscribers = new Map<string, Subscriber>();

function broadcastCreate(record: PostRecord, json: string): void {
  for (const [clientId, s] of subscribers) {
    if (!s.topics.has('posts') && !s.topics.has('posts/*')) continue;
    // Subscribers are guests here: the list rule `published = true || owner = ''`.
    if (!record.published) continue;
    s.res.write(`id:${clientId}\nevent:posts/*\ndata:{"action":"create","record":${json}}\n\n`);
  }
}

// ---- routes -------------------------------------------------------------------------------------
const app = Fastify({ logger: false, bodyLimit: 1 << 20 });
const RECORDS = '/api/collections/posts/records';

/** PocketBase's paging: non-integers are 400, page <= 0 is 1, perPage <= 0 is 30, > 1000 is 1000. */
function intParam(raw: string | undefined, fallback: number): number | undefined {
  if (raw === undefined || raw === '') return fallback;
  return /^-?\d+$/.test(raw) ? Number(raw) : undefined;
}
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);

const send = (reply: FastifyReply, status: number, body: string) => reply.code(status).type(JSON_TYPE).send(body);

async function withExpand(records: PostRecord[], expand: boolean, authId: string): Promise<string[]> {
  if (!expand) return records.map(postJson);
  // One query for the page's owners; the users view rule is "" (everyone), so every owner shows.
  const owners = new Map((await store.usersByIds([...new Set(records.map((r) => r.owner).filter((o) => o !== ''))])).map((u) => [u.id, u]));
  return records.map((r) => {
    const owner = owners.get(r.owner);
    return owner ? `${postBody(r)},"expand":{"owner":${userJson(owner, authId)}}}` : postJson(r);
  });
}

app.get<{ Params: { id: string }; Querystring: Record<string, string | undefined> }>(`${RECORDS}/:id`, async (request, reply) => {
  const auth = await authenticate(request);
  const authId = auth?.user.id ?? '';
  const row = await store.viewPost(request.params.id, authId);
  if (!row) return send(reply, 404, NOT_FOUND);
  const [json] = await withExpand([row], request.query.expand === 'owner', authId);
  return send(reply, 200, json as string);
});

app.get<{ Querystring: Record<string, string | undefined> }>(RECORDS, async (request, reply) => {
  const q = request.query;
  let page = intParam(q.page, 1);
  let perPage = intParam(q.perPage, 30);
  if (page === undefined || perPage === undefined) return send(reply, 400, error(400, 'Invalid query parameter.'));
  if (page <= 0) page = 1;
  if (perPage <= 0) perPage = 30;
  if (perPage > 1000) perPage = 1000;
  const sort = q.sort ?? '';
  const order: Order | undefined = sort === '-created' ? 'desc' : sort === 'created' || sort === '+created' ? 'asc' : sort === '' ? 'none' : undefined;
  if (!order) return send(reply, 400, error(400, 'Invalid sort expression.'));
  const expand = q.expand ?? '';
  if (expand !== '' && expand !== 'owner') return send(reply, 400, error(400, 'Invalid expand.'));
  const filter = (q.filter ?? '').trim();
  let min: number | undefined;
  if (filter !== '') {
    const m = /^views\s*>\s*(\d+)$/.exec(filter);
    if (!m) return send(reply, 400, error(400, 'Invalid filter expression.'));
    min = Number(m[1]);
  }
  const auth = await authenticate(request);
  const authId = auth?.user.id ?? '';
  const query: ListQuery = { min, order, authId, limit: perPage, offset: (page - 1) * perPage };
  const rows = await store.listPosts(query);
  let totalItems = -1;
  let totalPages = -1;
  if (!GO_TRUE.has(q.skipTotal ?? '')) {
    totalItems = await store.countPosts(query);
    totalPages = Math.ceil(totalItems / perPage);
  }
  const items = await withExpand(rows, expand === 'owner', authId);
  return send(reply, 200, `{"page":${page},"perPage":${perPage},"totalItems":${totalItems},"totalPages":${totalPages},"items":[${items.join(',')}]}`);
});

const CREATE_FAILED = 'Failed to create record.';

app.post(RECORDS, async (request, reply) => {
  const auth = await authenticate(request);
  // createRule `@request.auth.id != ""`: a guest fails the rule, which PocketBase answers with 400.
  if (!auth) return send(reply, 400, error(400, CREATE_FAILED));
  const v = await validatePost(request.body, now());
  if ('errors' in v) return send(reply, 400, error(400, CREATE_FAILED, v.errors));
  await store.insertPosts([v.row]);
  const json = postJson(v.row);
  broadcastCreate(v.row, json);
  return send(reply, 200, json);
});

app.patch<{ Params: { id: string } }>(`${RECORDS}/:id`, async (request, reply) => {
  const auth = await authenticate(request);
  const b = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Body;
  const delta = b['views+'] === undefined ? 0 : Number(b['views+']);
  if (!Number.isInteger(delta)) {
    return send(reply, 400, error(400, 'Failed to update record.', '{"views":{"code":"validation_only_int_constraint","message":"Decimal numbers are not allowed."}}'));
  }
  // updateRule `owner = @request.auth.id`: a record the rule hides is a 404.
  const row = await store.addViews(request.params.id, auth?.user.id ?? '', delta, now());
  if (!row) return send(reply, 404, NOT_FOUND);
  return send(reply, 200, postJson(row));
});

app.post('/api/batch', async (request, reply) => {
  const auth = await authenticate(request);
  const requests = (request.body as { requests?: unknown } | null)?.requests;
  if (!Array.isArray(requests) || requests.length === 0 || requests.length > 50) {
    return send(reply, 400, error(400, 'Invalid batch request.'));
  }
  const timestamp = now();
  const rows: PostRecord[] = [];
  for (const [i, r] of requests.entries()) {
    const item = r as { method?: unknown; url?: unknown; body?: unknown };
    if (item.method !== 'POST' || item.url !== RECORDS) return send(reply, 400, error(400, 'Unsupported batch request.'));
    const v = auth ? await validatePost(item.body, timestamp) : { errors: '{}' };
    if ('errors' in v) {
      return send(reply, 400, error(400, 'Batch transaction failed.', `{"requests":{"${i}":{"code":"batch_request_failed","message":"Batch request failed.","response":${error(400, CREATE_FAILED, v.errors)}}}}`));
    }
    rows.push(v.row);
  }
  await store.insertPosts(rows);
  const out = rows.map((row) => `{"status":200,"body":${postJson(row)}}`);
  for (const row of rows) if (subscribers.size > 0) broadcastCreate(row, postJson(row));
  return send(reply, 200, `[${out.join(',')}]`);
});

const AUTH_FAILED = error(400, 'Failed to authenticate.');

app.post('/api/collections/users/auth-with-password', async (request, reply) => {
  const b = (request.body ?? {}) as Body;
  const identity = typeof b.identity === 'string' ? b.identity : '';
  const password = typeof b.password === 'string' ? b.password : '';
  const user = identity === '' ? undefined : await store.userByEmail(identity);
  if (!user || !(await verifyPassword(user.password, password))) return send(reply, 400, AUTH_FAILED);
  return send(reply, 200, `{"token":${JSON.stringify(signAuthToken(user, ['password']))},"record":${userJson(user, user.id)}}`);
});

app.post('/api/collections/users/auth-refresh', async (request, reply) => {
  const auth = await authenticate(request);
  if (!auth) return send(reply, 401, error(401, 'The request requires valid record authorization token.'));
  return send(reply, 200, `{"token":${JSON.stringify(signAuthToken(auth.user, auth.amr))},"record":${userJson(auth.user, auth.user.id)}}`);
});

app.get('/api/realtime', (request, reply) => {
  reply.hijack();
  const clientId = newId() + newId();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
  res.write(`id:${clientId}\nevent:PB_CONNECT\ndata:{"clientId":"${clientId}"}\n\n`);
  subscribers.set(clientId, { res, topics: new Set() });
  request.raw.once('close', () => subscribers.delete(clientId));
});

app.post('/api/realtime', async (request, reply) => {
  const b = (request.body ?? {}) as { clientId?: unknown; subscriptions?: unknown };
  const s = typeof b.clientId === 'string' ? subscribers.get(b.clientId) : undefined;
  if (!s) return send(reply, 404, NOT_FOUND);
  s.topics = new Set(Array.isArray(b.subscriptions) ? b.subscriptions.filter((t): t is string => typeof t === 'string') : []);
  return reply.code(204).send();
});

app.get('/api/health', (_request, reply) => send(reply, 200, '{"code":200,"message":"API is healthy.","data":{}}'));

// Loaded at start: the baseline has no start-up target to meet.
const argon2 = await import('@node-rs/argon2');
async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(stored, password);
  } catch {
    return false;
  }
}

const address = await app.listen({ host: values.host, port: Number(values.port) });
process.stdout.write(`ready ${new URL(address).port}\n`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    for (const s of subscribers.values()) s.res.end();
    void app
      .close()
      .then(() => store.close())
      .then(() => process.exit(0));
  });
}
